// Who may use an agent through the Kubernetes API proxy, and as whom (design.md section 5).
// Users: administrators, Developers+ of the agent's own project, and Developers+ of any project or
// group listed in the live config's user_access. CI jobs: jobs of the agent's own project, and of
// projects/groups listed in ci_access (with an environment filter). The grant carries the
// impersonation identity agentk applies.
import { agentAuthorizations, agents, groups, projects } from '@mooring/db';
import type { CiAccessAs, UserAccessAs } from '@mooring/modules/agent_configuration/shared/config-schema';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { Actor } from './actor';
import type { AgentConfigService } from './agent-configs';
import type { AgentService } from './agents';
import type { VerifiedCiJob } from './ci-job-tokens';
import type { ServiceContext } from './context';
import { pathPrefixes, roleRank } from './policy';
import type { Role } from './validation';

export interface Impersonation {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AgentAccessGrant {
  agentId: number;
  projectId: number;
  /** 'agent': agentk's own service account (caller may send Impersonate-* headers). */
  mode: 'agent' | 'impersonate' | 'ci_job' | 'user';
  /** Set for every mode except 'agent'. */
  impersonate: Impersonation | null;
  defaultNamespace: string | null;
}

function environmentMatches(patterns: readonly string[] | undefined, env: string | null): boolean {
  if (!patterns || patterns.length === 0) return true;
  if (!env) return false;
  return patterns.some((p) =>
    new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(env),
  );
}

export interface AgentAuthorizationInfo {
  kind: 'ci_access' | 'user_access';
  targetType: 'project' | 'group';
  targetPath: string;
  /** The project/group the path names today, or null when nothing has that path (a typo or a rename). */
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

  async function groupIdsOf(projectPath: string): Promise<number[]> {
    const groupPath = projectPath.slice(0, projectPath.lastIndexOf('/'));
    const rows = await db
      .select({ id: groups.id, fullPath: groups.fullPath })
      .from(groups)
      .where(inArray(groups.fullPath, pathPrefixes(groupPath)));
    return rows.sort((a, b) => a.fullPath.length - b.fullPath.length).map((r) => r.id);
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
      const paths = rows.map((r) => r.targetPath);
      const [gs, ps] = paths.length
        ? await Promise.all([
            db
              .select({ id: groups.id, fullPath: groups.fullPath })
              .from(groups)
              .where(inArray(groups.fullPath, paths)),
            db
              .select({ id: projects.id, fullPath: projects.fullPath })
              .from(projects)
              .where(inArray(projects.fullPath, paths)),
          ])
        : [[], []];
      const groupIds = new Map(gs.map((g) => [g.fullPath, g.id]));
      const projectIds = new Map(ps.map((p) => [p.fullPath, p.id]));
      return rows.map((r) => ({
        kind: r.kind as AgentAuthorizationInfo['kind'],
        targetType: r.targetType as AgentAuthorizationInfo['targetType'],
        targetPath: r.targetPath,
        targetId: (r.targetType === 'group' ? groupIds : projectIds).get(r.targetPath) ?? null,
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
      const groupPath = project!.fullPath.slice(0, project!.fullPath.lastIndexOf('/'));
      const groupPaths = pathPrefixes(groupPath);
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
            and(
              eq(agentAuthorizations.targetType, 'project'),
              eq(agentAuthorizations.targetPath, project!.fullPath),
            ),
            and(
              eq(agentAuthorizations.targetType, 'group'),
              inArray(agentAuthorizations.targetPath, groupPaths),
            ),
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

    /** The grant for a signed-in user (session or k8s_proxy PAT), or null (the proxy answers 401). */
    async forUser(
      user: { id: number; username: string; isAdmin: boolean },
      agentId: number,
    ): Promise<AgentAccessGrant | null> {
      const agent = await deps.agents.getById(agentId);
      // A missing agent runs the same lookups as one not shared with the caller, so the proxy's answer time does
      // not tell which agent ids exist (it did: 9.5 ms against 33 ms).
      const live = await deps.configs.live(agentId);
      const ownRole = await policy.projectRole(user.id, agent?.projectId ?? 0);
      if (!agent) return null;
      const ua = live?.config.user_access;
      const accessAs: UserAccessAs = ua?.access_as ?? { agent: {} };
      const projectRoles: { id: number; role: Role }[] = [];
      const groupRoles: { id: number; role: Role }[] = [];
      if (ownRole && roleRank(ownRole) >= roleRank('developer'))
        projectRoles.push({ id: agent.projectId, role: ownRole });
      if (ua) {
        const auths = await db
          .select()
          .from(agentAuthorizations)
          .where(eq(agentAuthorizations.agentId, agentId));
        for (const a of auths.filter((x) => x.kind === 'user_access')) {
          if (a.targetType === 'project') {
            const [p] = await db
              .select({ id: projects.id })
              .from(projects)
              .where(eq(projects.fullPath, a.targetPath));
            if (!p || projectRoles.some((r) => r.id === p.id)) continue;
            const role = await policy.projectRole(user.id, p.id);
            if (role && roleRank(role) >= roleRank('developer')) projectRoles.push({ id: p.id, role });
          } else {
            const [g] = await db
              .select({ id: groups.id })
              .from(groups)
              .where(eq(groups.fullPath, a.targetPath));
            if (!g) continue;
            const role = await policy.groupRole(user.id, g.id);
            if (role && roleRank(role) >= roleRank('developer')) groupRoles.push({ id: g.id, role });
          }
        }
      }
      if (!user.isAdmin && projectRoles.length === 0 && groupRoles.length === 0) return null;
      if ('user' in accessAs) {
        return {
          agentId,
          projectId: agent.projectId,
          mode: 'user',
          impersonate: {
            username: `mooring:user:${user.username}`,
            groups: [
              'mooring:user',
              ...projectRoles.map((r) => `mooring:project_role:${r.id}:${r.role}`),
              ...groupRoles.map((r) => `mooring:group_role:${r.id}:${r.role}`),
            ],
          },
          defaultNamespace: null,
        };
      }
      return {
        agentId,
        projectId: agent.projectId,
        mode: 'agent',
        impersonate: null,
        defaultNamespace: null,
      };
    },

    /** The grant for a CI job token, or null. */
    async forCiJob(job: VerifiedCiJob, agentId: number): Promise<AgentAccessGrant | null> {
      const agent = await deps.agents.getById(agentId);
      if (!agent) return null;
      const live = await deps.configs.live(agentId);
      const ci = live?.config.ci_access;
      type Entry = { access_as?: CiAccessAs; default_namespace?: string; environments?: string[] };
      let entry: Entry | null = null;
      for (const p of ci?.projects ?? []) {
        if (p.id === job.projectPath && environmentMatches(p.environments, job.environment)) entry = p;
      }
      if (!entry) {
        for (const g of ci?.groups ?? []) {
          if (job.projectPath.startsWith(`${g.id}/`) && environmentMatches(g.environments, job.environment))
            entry = g;
        }
      }
      // Without a matching entry, the agent's own project may still use it as the agent.
      if (!entry && job.projectId === agent.projectId) entry = {};
      if (!entry) return null;
      const accessAs: CiAccessAs = entry.access_as ?? { agent: {} };
      const base = { agentId, projectId: agent.projectId, defaultNamespace: entry.default_namespace ?? null };
      if ('impersonate' in accessAs && accessAs.impersonate) {
        const imp = accessAs.impersonate;
        return {
          ...base,
          mode: 'impersonate',
          impersonate: {
            username: imp.username,
            ...(imp.uid !== undefined && { uid: imp.uid }),
            groups: imp.groups ?? [],
            ...(imp.extra && { extra: Object.fromEntries(imp.extra.map((e) => [e.key, e.val])) }),
          },
        };
      }
      if ('ci_job' in accessAs) {
        const groupIds = await groupIdsOf(job.projectPath);
        const groupsList = [
          'mooring:ci_job',
          ...groupIds.map((id) => `mooring:group:${id}`),
          `mooring:project:${job.projectId}`,
        ];
        if (job.environment) groupsList.push(`mooring:project_env:${job.projectId}:${job.environment}`);
        if (job.environmentTier)
          groupsList.push(`mooring:project_env_tier:${job.projectId}:${job.environmentTier}`);
        return {
          ...base,
          mode: 'ci_job',
          impersonate: { username: `mooring:ci_job:${job.jobId}`, groups: groupsList },
        };
      }
      return { ...base, mode: 'agent', impersonate: null };
    },
  };
}
export type AgentAccessService = ReturnType<typeof createAgentAccessService>;
