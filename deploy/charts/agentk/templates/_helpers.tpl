{{/* Names: every object is named after the release (the install line calls it mooring-agent-<agent>). */}}
{{- define "agentk.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agentk.selectorLabels" -}}
app.kubernetes.io/name: agentk
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "agentk.labels" -}}
{{ include "agentk.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agentk.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{- define "agentk.tokenSecret" -}}
{{- .Values.token.existingSecret | default (printf "%s-token" (include "agentk.fullname" .)) -}}
{{- end -}}

{{- define "agentk.receptiveTlsSecret" -}}
{{- .Values.receptive.tls.existingSecret | default (printf "%s-receptive-tls" (include "agentk.fullname" .)) -}}
{{- end -}}

{{/*
  What values.schema.json cannot say: combinations. Each message names the field and the fix; a token is never
  echoed.
*/}}
{{- define "agentk.validate" -}}
{{- $v := .Values -}}
{{- $hasValue := ne (trim ($v.token.value | default "")) "" -}}
{{- $hasSecret := ne ($v.token.existingSecret | default "") "" -}}
{{- if and $hasValue $hasSecret -}}
{{- fail "token: set exactly one of token.value and token.existingSecret, not both" -}}
{{- end -}}
{{- if not (or $hasValue $hasSecret) -}}
{{- fail "token: set token.value (--set-file token.value=.mooring/<agent>.agent-token) or token.existingSecret (a Secret with the key \"token\")" -}}
{{- end -}}
{{- if and $hasValue (not (regexMatch "^mgt-[A-Za-z0-9]{50}$" (trim $v.token.value))) -}}
{{- fail "token.value: expected an agent token (mgt- and 50 letters or digits, as `mooring agent register` prints it); check the file given to --set-file token.value" -}}
{{- end -}}
{{- if $v.receptive.enabled -}}
{{- if $v.kas.address -}}
{{- fail "kas.address: in receptive mode (receptive.enabled=true) kas dials agentk; unset kas.address" -}}
{{- end -}}
{{- if not $v.receptive.tls.existingSecret -}}
{{- if not (and $v.receptive.tls.cert $v.receptive.tls.key) -}}
{{- fail "receptive.tls: receptive mode needs the listener's certificate: receptive.tls.existingSecret (a kubernetes.io/tls Secret) or both receptive.tls.cert and receptive.tls.key" -}}
{{- end -}}
{{- end -}}
{{- if eq (empty $v.receptive.jwtPublicKey) (empty $v.receptive.clientCaCert) -}}
{{- fail "receptive: set exactly one of receptive.jwtPublicKey (the endpoint's public key, from the console) and receptive.clientCaCert (mTLS)" -}}
{{- end -}}
{{- else -}}
{{- if not $v.kas.address -}}
{{- fail "kas.address: required: kas's agent API, e.g. --set kas.address=grpcs://kas.example.com:8150 (or receptive.enabled=true)" -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.rbac.preset "namespace-admin") (empty $v.rbac.namespaces) -}}
{{- fail "rbac.namespaces: the namespace-admin preset needs the namespaces agentk administers, e.g. --set rbac.namespaces={team-a,team-b}" -}}
{{- end -}}
{{- if and (ne $v.rbac.preset "namespace-admin") (not (empty $v.rbac.namespaces)) -}}
{{- fail (printf "rbac.namespaces: only the namespace-admin preset uses it (rbac.preset is %s)" $v.rbac.preset) -}}
{{- end -}}
{{- end -}}

{{/* The rules, from the one source (packages/modules/agent_registrar/shared/agent-rbac.ts, generated). */}}
{{- define "agentk.clusterRoleRules" -}}
{{- $rules := .Files.Get "rbac-rules.json" | fromJson -}}
{{- $base := ternary $rules.clusterAdmin $rules.readOnly (eq .Values.rbac.preset "cluster-admin") -}}
{{- if .Values.rbac.impersonation -}}
{{- $base = concat $base $rules.impersonation -}}
{{- end -}}
{{- toYaml $base -}}
{{- end -}}
