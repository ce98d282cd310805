import { stringify } from 'yaml';

export const agentNamespace = 'mooring-system';
export const agentServiceAccount = 'mooring-agent';
export const agentTokenSecret = 'mooring-agent-token';

/**
 * What an agent install grants its ServiceAccount. GitLab's agent chart binds cluster-admin; this
 * role is as broad for everyday work (every verb that reads or writes objects, on every resource,
 * plus impersonation so the agent can act as CI jobs and users), but it deliberately leaves out:
 *  - `escalate` and `bind` on Roles/ClusterRoles (cannot grant rights it does not hold),
 *  - `approve` and `sign` on certificate signers (cannot approve CertificateSigningRequests),
 *  - `use` and any other special verb not listed.
 * Note: impersonating arbitrary groups still lets the agent act as `system:masters`; that is the
 * same power GitLab's agent has and is what user impersonation (`access_as: user`) requires.
 */
export const agentClusterRoleRules = [
  {
    apiGroups: ['*'],
    resources: ['*'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
  },
  { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['*'], verbs: ['impersonate'] },
  { nonResourceURLs: ['*'], verbs: ['get'] },
];

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
