import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from './versions';

export const agentNamespace = 'mooring-system';
export const agentServiceAccount = 'mooring-agent';
export const agentTokenSecret = 'mooring-agent-token';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/**
 * The local cluster's agent gets the agentk chart's `cluster-admin` preset with `rbac.impersonation: true`, read
 * from the chart's generated rules (deploy/charts/agentk/rbac-rules.json, whose one source is
 * packages/modules/agent_registrar/shared/agent-rbac.ts; kube-dev reads the file so it needs no dependency on the
 * modules). The tests act as users, CI jobs and the agent, so they need all of it: every verb that reads or writes
 * objects on every resource, and impersonation. It deliberately leaves out `escalate` and `bind` on Roles,
 * `approve` and `sign` on certificate signers, and `use`. Impersonating arbitrary groups still lets the agent act
 * as `system:masters`; that is what user impersonation (`access_as: user`) requires.
 */
export const agentClusterRoleRules: PolicyRule[] = (() => {
  const file = join(packageRoot, '..', '..', 'deploy', 'charts', 'agentk', 'rbac-rules.json');
  const rules = JSON.parse(readFileSync(file, 'utf8')) as Record<string, PolicyRule[] | undefined>;
  if (!rules.clusterAdmin || !rules.impersonation)
    throw new Error(
      `${file} has no clusterAdmin or impersonation rules; regenerate it with \`pnpm charts:rbac\``,
    );
  return [...rules.clusterAdmin, ...rules.impersonation];
})();

export function agentIdentityYaml(): string {
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: agentNamespace } },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: agentServiceAccount, namespace: agentNamespace },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: agentServiceAccount },
      rules: agentClusterRoleRules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: agentServiceAccount },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: agentServiceAccount },
      subjects: [{ kind: 'ServiceAccount', name: agentServiceAccount, namespace: agentNamespace }],
    },
    {
      // A legacy long-lived token, filled in by the controller-manager's token controller: the
      // agent's kubeconfig must outlive any TokenRequest expiry during a long demo.
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: agentTokenSecret,
        namespace: agentNamespace,
        annotations: { 'kubernetes.io/service-account.name': agentServiceAccount },
      },
    },
  ];
  return docs.map((doc) => stringify(doc)).join('---\n');
}
