// Who the API server sees for a proxied request (GitLab's access_as). kas's services resolve the facts — which
// `access_as` the live config gives this caller, the caller's roles on the projects and groups it lists, the CI
// job's project, ancestor groups, environment and tier — and this file alone turns them into the user, groups and
// extras agentk impersonates (docs/kubernetes-api-proxy.md, "Impersonation").
import type { ImpersonationConfig } from '@mooring/proto/gen/mooring/kubernetes_api/rpc/rpc';

export type { ImpersonationConfig };

export interface RoleGrant {
  id: number;
  roles: string[];
}

export interface StaticImpersonation {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: { key: string; val: string[] }[];
}

/** A person (PAT or browser session) allowed on the agent: administrator, its own project or `user_access`. */
export interface AuthorizedUser {
  kind: 'user';
  agentId: number;
  /** The project the agent (and so its configuration) belongs to. */
  configProjectId: number;
  accessType: 'personal_access_token' | 'session_cookie';
  user: { id: number; username: string };
  accessAs: { agent: Record<string, never> } | { user: Record<string, never> };
  /** Projects (the agent's own and those user_access lists) and groups where the user is Developer or higher. */
  projects: RoleGrant[];
  groups: RoleGrant[];
}

/** A CI job allowed on the agent by its `ci_access` (or, without any ci_access, by being of its own project). */
export interface AuthorizedCiJob {
  kind: 'ci_job';
  agentId: number;
  configProjectId: number;
  job: { id: string };
  /** The job's project and its ancestor groups, top-level first. */
  project: { id: number; ancestorGroupIds: number[] };
  environment?: { name: string; tier?: string };
  /** Who started the job. */
  user?: { id: number; username: string };
  /** The matching ci_access entry's `default_namespace`. */
  defaultNamespace?: string;
  accessAs:
    | { agent: Record<string, never> }
    | { impersonate: StaticImpersonation }
    | { ci_job: Record<string, never> };
}

export type AuthorizedCaller = AuthorizedUser | AuthorizedCiJob;

export type AccessMode = 'agent' | 'impersonate' | 'ci_job' | 'user';

export function accessMode(caller: AuthorizedCaller): AccessMode {
  const accessAs = caller.accessAs;
  if ('user' in accessAs) return 'user';
  if ('impersonate' in accessAs) return 'impersonate';
  if ('ci_job' in accessAs) return 'ci_job';
  return 'agent';
}

const EXTRA_AGENT_ID = 'agent.mooring.dev/id';

/** The identity kas asks agentk to impersonate; undefined means "act as the agent" (caller headers pass through). */
export function impersonationFor(caller: AuthorizedCaller): ImpersonationConfig | undefined {
  const accessAs = caller.accessAs;
  if ('user' in accessAs && caller.kind === 'user') return userImpersonation(caller);
  if ('impersonate' in accessAs) {
    const s = accessAs.impersonate;
    return { username: s.username, uid: s.uid ?? '', groups: s.groups ?? [], extra: s.extra ?? [] };
  }
  if ('ci_job' in accessAs && caller.kind === 'ci_job') return ciJobImpersonation(caller);
  return undefined;
}

function userImpersonation(caller: AuthorizedUser): ImpersonationConfig {
  const groups = ['mooring:user'];
  for (const p of caller.projects) for (const r of p.roles) groups.push(`mooring:project_role:${p.id}:${r}`);
  for (const g of caller.groups) for (const r of g.roles) groups.push(`mooring:group_role:${g.id}:${r}`);
  const extra = [
    { key: EXTRA_AGENT_ID, val: [String(caller.agentId)] },
    { key: 'username', val: [caller.user.username] },
    { key: 'access_type', val: [caller.accessType] },
    { key: 'config_project_id', val: [String(caller.configProjectId)] },
  ];
  return { username: `mooring:user:${caller.user.username}`, uid: '', groups, extra };
}

function ciJobImpersonation(job: AuthorizedCiJob): ImpersonationConfig {
  const env = job.environment;
  const groups = ['mooring:ci_job'];
  for (const gid of job.project.ancestorGroupIds) {
    groups.push(`mooring:group:${gid}`);
    if (env?.tier) groups.push(`mooring:group_env_tier:${gid}:${env.tier}`);
  }
  groups.push(`mooring:project:${job.project.id}`);
  if (env) {
    groups.push(`mooring:project_env:${job.project.id}:${env.name}`);
    if (env.tier) groups.push(`mooring:project_env_tier:${job.project.id}:${env.tier}`);
  }
  const extra = [
    { key: EXTRA_AGENT_ID, val: [String(job.agentId)] },
    { key: 'config_project_id', val: [String(job.configProjectId)] },
    { key: 'project_id', val: [String(job.project.id)] },
    { key: 'ci_job_id', val: [job.job.id] },
  ];
  if (job.user) extra.push({ key: 'username', val: [job.user.username] });
  if (env) {
    extra.push({ key: 'environment', val: [env.name] });
    if (env.tier) extra.push({ key: 'environment_tier', val: [env.tier] });
  }
  return { username: `mooring:ci_job:${job.job.id}`, uid: '', groups, extra };
}

/** `Impersonate-*` request headers for the config (names lower-case; extra keys percent-encoded as Kubernetes wants). */
export function impersonationHeaders(config: ImpersonationConfig): Record<string, string[]> {
  const headers: Record<string, string[]> = { 'impersonate-user': [config.username] };
  if (config.groups.length) headers['impersonate-group'] = [...config.groups];
  if (config.uid) headers['impersonate-uid'] = [config.uid];
  for (const e of config.extra) headers[`impersonate-extra-${encodeURIComponent(e.key)}`] = [...e.val];
  return headers;
}

export function isImpersonationHeader(name: string): boolean {
  return name.toLowerCase().startsWith('impersonate-');
}
