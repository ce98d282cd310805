// What an installed agentk may do in its cluster: the one source of its RBAC. The agentk Helm chart reads it from a
// generated file (deploy/charts/agentk/rbac-rules.json, written by `pnpm charts:rbac`; a test fails when it is
// stale), the console's manifest (apps/console/components/agent/install.ts) renders it, and the local cluster's
// agent identity (packages/kube-dev/src/agent-identity.ts) reads the generated file. docs/helm.md explains the
// presets to users.
import { DEFAULT_RESOURCES } from '../../object_watch/shared/resources';

/** The one namespace agentk is installed in, in every command, chart default and manifest. */
export const agentNamespace = 'mooring-system';

/** A Kubernetes RBAC PolicyRule, as written in a Role or ClusterRole. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** The chart's `rbac.preset` values; `read-only` is the default. */
export const agentRbacPresets = ['read-only', 'namespace-admin', 'cluster-admin'] as const;
export type AgentRbacPreset = (typeof agentRbacPresets)[number];

/**
 * read-only: what agentk itself needs — get/list/watch on object_watch's default set (by API group; Secrets are
 * never in it) for the console's live lists, and `create subjectaccessreviews` to check what each viewer of those
 * lists may see. Requests kas forwards run as this ServiceAccount (`access_as: agent`), so they can read the same.
 */
export function readOnlyRules(): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const r of DEFAULT_RESOURCES) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r.resource]);
  return [
    ...[...byGroup].map(([group, resources]) => ({
      apiGroups: [group],
      resources,
      verbs: ['get', 'list', 'watch'],
    })),
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ];
}

/** namespace-admin: read-only cluster-wide, and everything inside each listed namespace (a Role there). */
export function namespaceAdminRoleRules(): PolicyRule[] {
  return [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
}

/**
 * cluster-admin: every verb that reads or writes objects, on every resource, and GET on every non-resource URL; it
 * deliberately leaves out `escalate` and `bind` on Roles (it cannot grant rights it does not hold), `approve` and
 * `sign` on certificate signers, `impersonate` (rbac.impersonation adds it) and any other special verb.
 */
export function clusterAdminRules(): PolicyRule[] {
  return [
    {
      apiGroups: ['*'],
      resources: ['*'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
    },
    { nonResourceURLs: ['*'], verbs: ['get'] },
  ];
}

/**
 * rbac.impersonation: what `access_as: user`, `ci_job` and `impersonate` need — Impersonate-User and -Group (users,
 * groups), a ServiceAccount as user, Impersonate-Uid and Impersonate-Extra-*. Impersonating any group includes
 * system:masters, so with it any preset is as powerful as cluster-admin (docs/helm.md says so).
 */
export function impersonationRules(): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
    // Every resource of the group: extras are `userextras/<key>`, and RBAC matches no `userextras/*` (a wildcard
    // works only as the whole resource or as `*/<subresource>`).
    { apiGroups: ['authentication.k8s.io'], resources: ['*'], verbs: ['impersonate'] },
  ];
}

/** The rules of the agent's ClusterRole for a preset (namespace-admin adds Roles in its namespaces on top). */
export function agentClusterRoleRules(preset: AgentRbacPreset, impersonation: boolean): PolicyRule[] {
  const base = preset === 'cluster-admin' ? clusterAdminRules() : readOnlyRules();
  return impersonation ? [...base, ...impersonationRules()] : base;
}

/** Where the chart keeps the generated rules, relative to the repository root. */
export const chartRbacRulesPath = 'deploy/charts/agentk/rbac-rules.json';

/** The generated file's text: the chart's templates read it with `.Files.Get` (never edit it by hand). */
export function chartRbacRulesJson(): string {
  const doc = {
    $comment:
      'Generated from packages/modules/agent_registrar/shared/agent-rbac.ts by `pnpm charts:rbac`; do not edit.',
    readOnly: readOnlyRules(),
    namespaceAdmin: namespaceAdminRoleRules(),
    clusterAdmin: clusterAdminRules(),
    impersonation: impersonationRules(),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
