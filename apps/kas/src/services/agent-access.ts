// Who may use an agent through the Kubernetes API proxy, and the facts its identity is made of. Users:
// administrators, Developers+ of the agent's own project, and Developers+ of any project or group the live
// config's user_access lists. CI jobs: jobs of projects (or below groups) ci_access lists, with an environment
// filter; without any ci_access, jobs of the agent's own project (as GitLab does). The listed projects and groups
// are the ids their paths resolved to when the config was saved (agent-authorizations.ts), never paths looked up
// now. kubernetes_api/shared/impersonation.ts turns the facts into the user, groups and extras agentk applies.
import { agentAuthorizations, agents, groups, projects, users } from '@mooring/db';
import type { CiAccessAs } from '@mooring/modules/agent_configuration/shared/config-schema';
import type {
  AuthorizedCiJob,
  AuthorizedUser,
  RoleGrant,
} from '@mooring/modules/kubernetes_api/shared/impersonation';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { Actor } from './actor';
import type { AgentConfigService } from './agent-configs';
import type { AgentService } from './agents';
import type { VerifiedCiJob } from './ci-job-tokens';
import type { ServiceContext } from './context';
import { ValidationError } from './errors';
import { globMatches } from './glob';
import { pathPrefixes, roleRank } from './policy';
import type { Role } from './validation';

function environmentMatches(patterns: readonly string[] | undefined, env: string | null): boolean {
  if (!patterns || patterns.length === 0) return true;
  if (!env) return false;
  return patterns.some((p) => globMatches(p, env));
}

/** The config's `access_as` as the proxy's caller type wants it (exactly one key). */
function ciAccessAs(accessAs: CiAccessAs | undefined): AuthorizedCiJob['accessAs'] {
  if (accessAs?.impersonate) return { impersonate: accessAs.impersonate };
  if (accessAs?.ci_job) return { ci_job: {} };
  return { agent: {} };
}

interface CiEntrySettings {
  access_as?: CiAccessAs;
  default_namespace?: string;
  environments?: string[];
}

interface UserEntrySettings {
  default_namespace?: string;
}

/** A signed-in user as the proxy and the kubeconfig maker know them. */
interface ApiUserFacts {
  id: number;
  username: string;
  isAdmin: boolean;
}

/** At most this many agents are checked for one kubeconfig (each check is a few queries). */
export const MAX_REACHABLE_CANDIDATES = 200;

/** An agent a user may use through the proxy, as a kubeconfig context shows it. */
export interface ReachableAgent {
  agentId: number;
  agentName: string;
  projectPath: string;
  /** The namespace the context starts in, from the user_access entry that lets the user in; null: none set. */
  defaultNamespace: string | null;
}

export interface AgentAuthorizationInfo {
  kind: 'ci_access' | 'user_access';
  targetType: 'project' | 'group';
  targetPath: string;
  /** The project/group the path named when the config was saved, or null when nothing had that path then. */
  targetId: number | null;
  settings: Record<string, unknown>;
  configVersion: number;
}

export interface SharedAgentInfo {
  agentId: number;
  agentName: string;
  /** Full path of the project the agent is registered in. */
  agentProjectPath: string;
  /** How this project may use it: its own agent, or through ci_access/user_access of a path. */
  via:
    | { kind: 'own' }
    | { kind: 'ci_access' | 'user_access'; targetType: 'project' | 'group'; targetPath: string };
}

export function createAgentAccessService(
  ctx: ServiceContext,
  deps: { agents: AgentService; configs: AgentConfigService },
) {
  const { db, policy } = ctx;

  /** The project's groups, top-level first, from the group tree as it is now. */
  async function ancestorGroupIds(projectId: number): Promise<number[]> {
    const [project] = await db
      .select({ fullPath: projects.fullPath })
      .from(projects)
      .where(eq(projects.id, projectId));
    if (!project) return [];
    const groupPath = project.fullPath.slice(0, project.fullPath.lastIndexOf('/'));
    const rows = await db
      .select({ id: groups.id, fullPath: groups.fullPath })
      .from(groups)
      .where(inArray(groups.fullPath, pathPrefixes(groupPath)));
    return rows.sort((a, b) => a.fullPath.length - b.fullPath.length).map((r) => r.id);
  }

  /** The agent's resolved entries of one kind, for the config version that is live. */
  async function entries(agentId: number, kind: 'ci_access' | 'user_access', version: number) {
    return db
      .select()
      .from(agentAuthorizations)
      .where(
        and(
          eq(agentAuthorizations.agentId, agentId),
          eq(agentAuthorizations.kind, kind),
          eq(agentAuthorizations.configVersion, version),
        ),
      )
      .orderBy(asc(agentAuthorizations.id));
  }

  /** forUser's decision, with the `default_namespace` of the first user_access entry that lets the user in. */
  async function userGrant(
    user: ApiUserFacts,
    agentId: number,
    accessType: AuthorizedUser['accessType'],
  ): Promise<{ authorized: AuthorizedUser; defaultNamespace: string | null } | null> {
    // The same queries run, in the same number, for a missing agent, one not shared with the caller and one
    // shared through many entries (policy.rolesOn batches the roles), so the proxy's answer time does not tell
    // which agent ids exist (it did: 9.5 ms against 33 ms). agent-access-work.int.test.ts counts them.
    const agent = await deps.agents.getById(agentId);
    const live = await deps.configs.live(agentId);
    const ua = live?.config.user_access;
    const listed = await entries(agentId, 'user_access', ua && live ? live.version : -1);
    const ownProjectId = agent?.projectId ?? -1;
    const roles = await policy.rolesOn(user.id, {
      projectIds: [
        ownProjectId,
        ...listed.flatMap((a) => (a.targetProjectId !== null ? [a.targetProjectId] : [])),
      ],
      groupIds: listed.flatMap((a) => (a.targetGroupId !== null ? [a.targetGroupId] : [])),
    });
    if (!agent) return null;
    const developerOrMore = (role: Role | undefined): role is Role =>
      role !== undefined && roleRank(role) >= roleRank('developer');
    const projectRoles: RoleGrant[] = [];
    const groupRoles: RoleGrant[] = [];
    let defaultNamespace: string | null = null;
    const ownRole = roles.projects.get(ownProjectId);
    if (developerOrMore(ownRole)) projectRoles.push({ id: ownProjectId, roles: [ownRole] });
    for (const a of listed) {
      const role =
        a.targetProjectId !== null
          ? roles.projects.get(a.targetProjectId)
          : roles.groups.get(a.targetGroupId ?? -1);
      if (!developerOrMore(role)) continue;
      defaultNamespace ??= (a.settings as UserEntrySettings).default_namespace ?? null;
      if (a.targetProjectId !== null) {
        if (!projectRoles.some((r) => r.id === a.targetProjectId))
          projectRoles.push({ id: a.targetProjectId, roles: [role] });
      } else if (a.targetGroupId !== null && !groupRoles.some((r) => r.id === a.targetGroupId))
        groupRoles.push({ id: a.targetGroupId, roles: [role] });
    }
    if (!user.isAdmin && projectRoles.length === 0 && groupRoles.length === 0) return null;
    return {
      authorized: {
        kind: 'user',
        agentId,
        configProjectId: agent.projectId,
        accessType,
        user: { id: user.id, username: user.username },
        accessAs: ua?.access_as.user ? { user: {} } : { agent: {} },
        projects: projectRoles,
        groups: groupRoles,
      },
      defaultNamespace,
    };
  }

  return {
    /** Which projects and groups the live config lets use the agent (the sharing page). Developer+. */
    async authorizations(actor: Actor, agentId: number): Promise<AgentAuthorizationInfo[]> {
      await policy.authorize(actor, 'agent:read', { type: 'agent', id: agentId });
      const rows = await db
        .select()
        .from(agentAuthorizations)
        .where(eq(agentAuthorizations.agentId, agentId))
        .orderBy(asc(agentAuthorizations.id));
      return rows.map((r) => ({
        kind: r.kind as AgentAuthorizationInfo['kind'],
        targetType: r.targetType as AgentAuthorizationInfo['targetType'],
        targetPath: r.targetPath,
        targetId: r.targetGroupId ?? r.targetProjectId,
        settings: r.settings,
        configVersion: r.configVersion,
      }));
    },

    /** Agents a project may use: its own and those shared with it or an ancestor group. Developer+. */
    async sharedWithProject(actor: Actor, projectId: number): Promise<SharedAgentInfo[]> {
      const { project } = await policy.authorize(actor, 'project:read_agents', {
        type: 'project',
        id: projectId,
      });
      const groupIds = await ancestorGroupIds(projectId);
      const own = await db
        .select({ id: agents.id, name: agents.name })
        .from(agents)
        .where(eq(agents.projectId, projectId))
        .orderBy(asc(agents.name));
      const shared = await db
        .select({
          agentId: agents.id,
          agentName: agents.name,
          agentProjectPath: projects.fullPath,
          kind: agentAuthorizations.kind,
          targetType: agentAuthorizations.targetType,
          targetPath: agentAuthorizations.targetPath,
        })
        .from(agentAuthorizations)
        .innerJoin(agents, eq(agents.id, agentAuthorizations.agentId))
        .innerJoin(projects, eq(projects.id, agents.projectId))
        .where(
          or(
            eq(agentAuthorizations.targetProjectId, projectId),
            groupIds.length ? inArray(agentAuthorizations.targetGroupId, groupIds) : undefined,
          ),
        )
        .orderBy(asc(projects.fullPath), asc(agents.name));
      return [
        ...own.map((a) => ({
          agentId: a.id,
          agentName: a.name,
          agentProjectPath: project!.fullPath,
          via: { kind: 'own' as const },
        })),
        ...shared
          .filter((s) => !own.some((o) => o.id === s.agentId))
          .map((s) => ({
            agentId: s.agentId,
            agentName: s.agentName,
            agentProjectPath: s.agentProjectPath,
            via: {
              kind: s.kind as 'ci_access' | 'user_access',
              targetType: s.targetType as 'project' | 'group',
              targetPath: s.targetPath,
            },
          })),
      ];
    },

    /** The facts for a signed-in user (session or k8s_proxy PAT), or null (the proxy answers 401). */
    async forUser(
      user: ApiUserFacts,
      agentId: number,
      accessType: AuthorizedUser['accessType'],
    ): Promise<AuthorizedUser | null> {
      return (await userGrant(user, agentId, accessType))?.authorized ?? null;
    },

    /**
     * The agents `user` may use through the proxy (each decided by the same rules as forUser), in project path and
     * name order, with the namespace their kubeconfig context starts in: the `default_namespace` of the first
     * user_access entry that lets the user in. Candidates: agents of projects the user may read, and agents whose
     * user_access lists a project or group where the user is Developer or more; at most MAX_REACHABLE_CANDIDATES.
     */
    async reachableByUser(actor: Actor, only?: readonly number[]): Promise<ReachableAgent[]> {
      if (actor.userId === null)
        throw new ValidationError('actor', 'a kubeconfig belongs to a user; sign in first');
      const user: ApiUserFacts = { id: actor.userId, username: actor.username, isAdmin: actor.isAdmin };
      const visible = await deps.agents.list(actor);
      const listedRows = await db
        .select({
          agentId: agentAuthorizations.agentId,
          targetProjectId: agentAuthorizations.targetProjectId,
          targetGroupId: agentAuthorizations.targetGroupId,
        })
        .from(agentAuthorizations)
        .where(eq(agentAuthorizations.kind, 'user_access'));
      const roles = await policy.rolesOn(user.id, {
        projectIds: listedRows.flatMap((r) => (r.targetProjectId !== null ? [r.targetProjectId] : [])),
        groupIds: listedRows.flatMap((r) => (r.targetGroupId !== null ? [r.targetGroupId] : [])),
      });
      const candidates = new Set(visible.map((a) => a.id));
      for (const r of listedRows) {
        const role =
          r.targetProjectId !== null
            ? roles.projects.get(r.targetProjectId)
            : roles.groups.get(r.targetGroupId ?? -1);
        if (role && roleRank(role) >= roleRank('developer')) candidates.add(r.agentId);
      }
      const wanted = only ? [...candidates].filter((id) => only.includes(id)) : [...candidates];
      if (wanted.length > MAX_REACHABLE_CANDIDATES)
        throw new ValidationError(
          'agentIds',
          `you may reach ${wanted.length} agents; a kubeconfig holds at most ${MAX_REACHABLE_CANDIDATES}: pass agentIds to choose`,
        );
      const out: ReachableAgent[] = [];
      for (const agentId of wanted) {
        const grant = await userGrant(user, agentId, 'personal_access_token');
        const agent = grant && (await deps.agents.getById(agentId));
        if (grant && agent)
          out.push({
            agentId,
            agentName: agent.name,
            projectPath: agent.projectPath,
            defaultNamespace: grant.defaultNamespace,
          });
      }
      return out.sort((a, b) =>
        a.projectPath === b.projectPath
          ? a.agentName.localeCompare(b.agentName)
          : a.projectPath.localeCompare(b.projectPath),
      );
    },

    /** The facts for a CI job token, or null. */
    async forCiJob(job: VerifiedCiJob, agentId: number): Promise<AuthorizedCiJob | null> {
      const agent = await deps.agents.getById(agentId);
      if (!agent) return null;
      const live = await deps.configs.live(agentId);
      const ancestors = await ancestorGroupIds(job.projectId);
      let entry: CiEntrySettings | null = null;
      if (!live?.config.ci_access) {
        // Without any ci_access, the agent's own project may use it as the agent (GitLab's default).
        if (job.projectId === agent.projectId) entry = {};
      } else {
        const rows = await entries(agentId, 'ci_access', live.version);
        const allows = (r: (typeof rows)[number]) =>
          environmentMatches((r.settings as CiEntrySettings).environments, job.environment);
        // The most specific entry wins: the project itself, then the closest group.
        const byProject = rows.find((r) => r.targetProjectId === job.projectId && allows(r));
        const byGroup = [...ancestors]
          .reverse()
          .map((gid) => rows.find((r) => r.targetGroupId === gid && allows(r)))
          .find((r) => r !== undefined);
        const match = byProject ?? byGroup;
        if (match) entry = match.settings as CiEntrySettings;
      }
      if (!entry) return null;
      const [starter] =
        job.userId === null
          ? []
          : await db
              .select({ id: users.id, username: users.username })
              .from(users)
              .where(eq(users.id, job.userId));
      return {
        kind: 'ci_job',
        agentId,
        configProjectId: agent.projectId,
        job: { id: job.jobId },
        project: { id: job.projectId, ancestorGroupIds: ancestors },
        ...(job.environment !== null && {
          environment: {
            name: job.environment,
            ...(job.environmentTier !== null && { tier: job.environmentTier }),
          },
        }),
        ...(starter && { user: starter }),
        ...(entry.default_namespace !== undefined && { defaultNamespace: entry.default_namespace }),
        accessAs: ciAccessAs(entry.access_as),
      };
    },
  };
}
export type AgentAccessService = ReturnType<typeof createAgentAccessService>;
