{{- define "kas.fullname" -}}
{{- .Release.Name | trunc 55 | trimSuffix "-" -}}
{{- end -}}

{{- define "kas.selectorLabels" -}}
app.kubernetes.io/name: kas
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kas.consoleSelectorLabels" -}}
app.kubernetes.io/name: console
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kas.commonLabels" -}}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mooring
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kas.labels" -}}
{{ include "kas.selectorLabels" . }}
{{ include "kas.commonLabels" . }}
{{- end -}}

{{- define "kas.consoleLabels" -}}
{{ include "kas.consoleSelectorLabels" . }}
{{ include "kas.commonLabels" . }}
{{- end -}}

{{/* image: repository[:tag | @digest]; call with (dict "image" .Values.image "root" .) */}}
{{- define "kas.image" -}}
{{- if .image.digest -}}
{{ .image.repository }}@{{ .image.digest }}
{{- else -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* What values.schema.json cannot say; each message names the field and the fix. */}}
{{- define "kas.validate" -}}
{{- $v := .Values -}}
{{- if and (gt (int $v.replicas) 1) (not $v.redis.existingSecret) -}}
{{- fail (printf "redis.existingSecret: %d replicas share tunnels and events through Redis: create a Secret with REDIS_URL under the key %q and name it here (or set replicas=1)" (int $v.replicas) $v.redis.key) -}}
{{- end -}}
{{- if and $v.console.enabled (not $v.console.image.repository) -}}
{{- fail "console.image.repository: required while console.enabled (e.g. registry.example.com/mooring/console), or set console.enabled=false" -}}
{{- end -}}
{{- range $name, $ing := dict "agentApi" $v.agentApi.ingress "proxy" $v.proxy.ingress "console" $v.console.ingress -}}
{{- if and $ing.enabled (not $ing.host) -}}
{{- fail (printf "%s.ingress.host: an enabled Ingress needs the host name clients use" $name) -}}
{{- end -}}
{{- end -}}
{{- if and $v.tls.proxy.caKey (not $v.tls.proxy.existingSecret) -}}
{{- fail "tls.proxy.caKey: names a key of tls.proxy.existingSecret, which is not set" -}}
{{- end -}}
{{- end -}}

{{- define "kas.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef: { name: {{ .ref.existingSecret | quote }}, key: {{ .ref.key | quote }} }
{{- end -}}
