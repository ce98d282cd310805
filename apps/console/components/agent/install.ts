// The install instructions the console shows, as text: every command works when pasted. Built from what kas says
// about itself (meta.agentInstall: its agent addresses, its CA, a local agent kubeconfig), never guessed from the
// browser's address. The token never appears in a command: it is pasted into a file only its owner can read.

import type { inferRouterOutputs } from '@trpc/server';

import type { AppRouter } from '../../lib/app-router';
import {
  agentClusterRoleRules,
  agentNamespace,
  type PolicyRule,
} from '@mooring/modules/agent_registrar/shared/agent-rbac';
import { caFileName, tokenFile } from '@mooring/modules/agent_registrar/shared/helm-install-command';

// The namespace (the RBAC source's) and the token file (the helm line's): one definition for the console, the CLI,
// the chart and docs/install.md.
export { agentNamespace, tokenFile };

/** What kas answers on GET /api/v1/agent-install (apps/kas/src/agent-install.ts), typed from kas's router. */
export type AgentInstallFacts = inferRouterOutputs<AppRouter>['meta']['agentInstall'];

/** What `--kubeconfig` shows when kas knows no local agent kubeconfig: visibly a blank to fill in. */
export const kubeconfigBlank = '<path>';

/** Until an agentk image is published, docs/agentk.md says how to build one. */
export const defaultImage = 'registry.example.com/mooring/agentk:0.1.0';

/** File name offered when kas's CA is downloaded from the page (the helm lines read it). */
export const caDownloadName = caFileName;

/** Kubernetes names of an agent's objects. */
export function objectNames(agentName: string) {
  const base = `mooring-agent-${agentName}`;
  return { base, tokenSecret: `${base}-token`, caConfigMap: 'mooring-kas-ca' };
}

/**
 * Writes the token to a file only its owner can read, from the terminal (pasted, never typed into a command, so it
 * stays out of shell history and `ps`). The subshell keeps the umask from leaking into the user's shell.
 */
export function saveTokenCommand(agentName: string): string {
  return `(umask 077 && mkdir -p .mooring && cat > ${tokenFile(agentName)})`;
}

/** What to do at the prompt saveTokenCommand leaves. */
export const saveTokenHint = 'then paste the token, press Enter and Ctrl-D';

function needsCa(address: string, facts: AgentInstallFacts): boolean {
  return address.startsWith('grpcs://') && facts.caPem !== null;
}

/** agentk on this machine, run from the repository root after its setup (`pnpm agentk`, package.json). */
export function localCommand(agentName: string, facts: AgentInstallFacts): string {
  const flags = [
    `--kas-address ${facts.localAddress}`,
    `--token-file ${tokenFile(agentName)}`,
    ...(needsCa(facts.localAddress, facts) && facts.caFile ? [`--ca-cert-file ${facts.caFile}`] : []),
    `--kubeconfig ${facts.localKubeconfig ?? kubeconfigBlank}`,
  ];
  return `pnpm agentk ${flags.join(' ')}`;
}

/** After the manifest is applied: the token Secret, from the file saveTokenCommand wrote. */
export function secretCommand(agentName: string): string {
  return `kubectl -n ${agentNamespace} create secret generic ${objectNames(agentName).tokenSecret} --from-file=token=${tokenFile(agentName)}`;
}

/** Everything the token dialog shows under the new token. */
export function tokenDialogCommands(agentName: string, facts: AgentInstallFacts): string {
  const lines = [
    `# 1. From the repository root, save the token to a file only you can read (${saveTokenHint}):`,
    saveTokenCommand(agentName),
    ``,
    `# 2. Run agentk on this machine:`,
    localCommand(agentName, facts),
  ];
  if (facts.localKubeconfig === null)
    lines.push(
      `#    (replace ${kubeconfigBlank} with a kubeconfig for the identity agentk should have in its cluster)`,
    );
  lines.push(
    ``,
    `# Or in a cluster: apply the manifest from "Connect a cluster", then store the token from the file:`,
    secretCommand(agentName),
  );
  return lines.join('\n');
}

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');

/** RBAC rules as the manifest writes them (flow lists, one rule per item), from the one source the chart uses. */
function rulesYaml(rules: PolicyRule[]): string {
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  return rules
    .map((rule) => {
      const fields = (['apiGroups', 'resources', 'nonResourceURLs', 'verbs'] as const)
        .filter((key) => rule[key] !== undefined)
        .map((key) => `${key}: ${list(rule[key]!)}`);
      return `  - ${fields.join('\n    ')}\n`;
    })
    .join('');
}

/**
 * The in-cluster manifest, or null when kas has no address a cluster can reach (publicAddressProblem says why).
 * The token Secret is not in it: secretCommand creates it from the token file, so the token is in no YAML file.
 * Its RBAC is the agentk chart's default (preset read-only, no impersonation; docs/helm.md).
 */
export function manifest(agentName: string, facts: AgentInstallFacts, image = defaultImage): string | null {
  const address = facts.publicAddress;
  if (address === null) return null;
  const names = objectNames(agentName);
  const ca = needsCa(address, facts) ? facts.caPem : null;
  const caConfigMap = ca
    ? `---
# kas's own CA: agentk trusts kas's self-signed certificate only with it (--ca-cert-file).
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${names.caConfigMap}
  namespace: ${agentNamespace}
data:
  ca.crt: |
${indent(ca, 4)}
`
    : '';
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${agentNamespace}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${names.base}
  namespace: ${agentNamespace}
---
# The agentk chart's default RBAC (preset read-only): agentk reads what object_watch caches for the console's live
# lists (get, list, watch on its default set; never Secrets) and asks SubjectAccessReviews for their viewers.
# Requests kas forwards run as this ServiceAccount (access_as agent): bind it a Role with just what your callers
# need. access_as user, ci_job and a static identity need the Helm chart with --set rbac.impersonation=true
# (docs/helm.md), which gives every right in the cluster.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${names.base}
rules:
${rulesYaml(agentClusterRoleRules('read-only', false))}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${names.base}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${names.base}
subjects:
  - kind: ServiceAccount
    name: ${names.base}
    namespace: ${agentNamespace}
${caConfigMap}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${names.base}
  namespace: ${agentNamespace}
spec:
  replicas: 2
  strategy:
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  selector:
    matchLabels: { app: ${names.base} }
  template:
    metadata:
      labels: { app: ${names.base} }
    spec:
      serviceAccountName: ${names.base}
      terminationGracePeriodSeconds: 40
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: agentk
          image: ${image}
          args:
            - --kas-address=${address}
            - --token-file=/etc/mooring/token/token${ca ? '\n            - --ca-cert-file=/etc/mooring/ca/ca.crt' : ''}
            - --observability-listen-address=:8080
          env:
            - name: POD_NAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
            - name: POD_NAMESPACE
              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: ["ALL"] }
          ports:
            - { name: observability, containerPort: 8080 }
          livenessProbe:
            httpGet: { path: /livez, port: observability }
          readinessProbe:
            httpGet: { path: /readyz, port: observability }
          volumeMounts:
            - { name: token, mountPath: /etc/mooring/token, readOnly: true }${ca ? '\n            - { name: kas-ca, mountPath: /etc/mooring/ca, readOnly: true }' : ''}
      volumes:
        - name: token
          secret: { secretName: ${names.tokenSecret} }${ca ? `\n        - name: kas-ca\n          configMap: { name: ${names.caConfigMap} }` : ''}
`;
}
