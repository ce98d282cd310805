// The one place that decides who may do what. Every service method calls `authorize` (or
// `authorizeGlobal`) before touching data. Rules:
// - admins may do everything;
// - a target the actor cannot see (no role on it or any ancestor group) is NotFound, so ids cannot
//   be probed; a visible target with too low a role is Forbidden with the reason and the fix;
// - roles are inherited down the group tree (a Maintainer of `a` is a Maintainer of `a/b/project`),
//   the highest of direct and inherited roles counts;
// - a personal access token with `read_api` may only read; `api` may do everything its user may;
//   a token without either (e.g. only `k8s_proxy`) may not use the console API at all;
// - top-level groups are created by administrators only, unless kas allows every user
//   (MOORING_USERS_CAN_CREATE_GROUPS): whoever creates one becomes its Owner;
// - moving a project needs Owner of the project (and Maintainer of the target group, GitLab's rule), so a
//   Maintainer cannot move it into a group they own and become its Owner.
import { agents, groups, memberships, projects, type Executor } from '@mooring/db';
import { and, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { Actor } from './actor';
import { ForbiddenError, NotFoundError } from './errors';
import type { Role } from './validation';

export const ROLE_ORDER: readonly Role[] = ['guest', 'reporter', 'developer', 'maintainer', 'owner'];
export const roleRank = (role: Role | null): number => (role ? ROLE_ORDER.indexOf(role) + 1 : 0);
const roleTitle = (role: Role) => role[0]!.toUpperCase() + role.slice(1);

export const maxRole = (roles: readonly Role[]): Role | null =>
  roles.reduce<Role | null>((best, r) => (roleRank(r) > roleRank(best) ? r : best), null);

type TargetType = 'group' | 'project' | 'agent';

interface Rule {
  on: TargetType;
  min: Role;
  write: boolean;
  /** Used in the Forbidden reason: "<doing> needs the Maintainer role …". */
  doing: string;
}

const rules = {
  'group:read': { on: 'group', min: 'guest', write: false, doing: 'viewing this group' },
  'group:create_subgroup': { on: 'group', min: 'maintainer', write: true, doing: 'creating subgroups' },
  'group:create_project': { on: 'group', min: 'maintainer', write: true, doing: 'creating projects' },
  'group:update': { on: 'group', min: 'owner', write: true, doing: 'renaming or moving a group' },
  'group:delete': { on: 'group', min: 'owner', write: true, doing: 'deleting a group' },
  'group:read_members': { on: 'group', min: 'guest', write: false, doing: 'listing members' },
  'group:manage_members': { on: 'group', min: 'owner', write: true, doing: 'managing members' },
  'project:read': { on: 'project', min: 'guest', write: false, doing: 'viewing this project' },
  'project:update': { on: 'project', min: 'maintainer', write: true, doing: 'renaming a project' },
  'project:move': { on: 'project', min: 'owner', write: true, doing: 'moving a project' },
  'project:delete': { on: 'project', min: 'owner', write: true, doing: 'deleting a project' },
  'project:read_members': { on: 'project', min: 'guest', write: false, doing: 'listing members' },
  'project:manage_members': { on: 'project', min: 'owner', write: true, doing: 'managing members' },
  'project:read_agents': { on: 'project', min: 'developer', write: false, doing: 'viewing agents' },
  'project:create_agent': { on: 'project', min: 'maintainer', write: true, doing: 'registering agents' },
  'project:mint_ci_job_token': {
    on: 'project',
    min: 'maintainer',
    write: true,
    doing: 'minting CI job tokens',
  },
  'agent:read': { on: 'agent', min: 'developer', write: false, doing: 'viewing agents' },
  'agent:delete': { on: 'agent', min: 'maintainer', write: true, doing: 'deleting agents' },
  'agent:read_tokens': { on: 'agent', min: 'developer', write: false, doing: 'viewing agent tokens' },
  'agent:create_token': { on: 'agent', min: 'maintainer', write: true, doing: 'creating agent tokens' },
  'agent:revoke_token': { on: 'agent', min: 'maintainer', write: true, doing: 'revoking agent tokens' },
  'agent:read_config': { on: 'agent', min: 'developer', write: false, doing: 'viewing agent configuration' },
  'agent:write_config': {
    on: 'agent',
    min: 'maintainer',
    write: true,
    doing: 'changing agent configuration',
  },
  'agent:read_receptive': {
    on: 'agent',
    min: 'developer',
    write: false,
    doing: 'viewing receptive endpoints',
  },
  'agent:write_receptive': {
    on: 'agent',
    min: 'maintainer',
    write: true,
    doing: 'changing receptive endpoints',
  },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof rules;
export const ACTIONS = Object.keys(rules) as Action[];
export const GLOBAL_ACTIONS = [
  'user:manage',
  'audit:read',
  'group:create_root',
  'self:manage_tokens',
] as const;
export type GlobalAction = (typeof GLOBAL_ACTIONS)[number];

export type Target =
  { type: 'group'; id: number } | { type: 'project'; id: number } | { type: 'agent'; id: number };

export interface GroupRef {
  id: number;
  parentId: number | null;
  name: string;
  path: string;
  fullPath: string;
}
export interface ProjectRef {
  id: number;
  groupId: number;
  name: string;
  path: string;
  fullPath: string;
}
export interface AgentRef {
  id: number;
  projectId: number;
  name: string;
  receptive: boolean;
}

export interface Resolved {
  group?: GroupRef;
  project?: ProjectRef;
  agent?: AgentRef;
  /** Effective role; 'admin' for administrators without a membership. */
  role: Role | 'admin';
}

export type Decision = ({ allowed: true } & Resolved) | { allowed: false; visible: boolean; reason: string };

/** `a/b/c` → ['a', 'a/b', 'a/b/c'] */
export function pathPrefixes(fullPath: string): string[] {
  const parts = fullPath.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function scopeProblem(actor: Actor, write: boolean, doing: string): string | null {
  if (!actor.scopes) return null;
  if (actor.scopes.includes('api')) return null;
  if (!write && actor.scopes.includes('read_api')) return null;
  return `this personal access token has scopes [${actor.scopes.join(', ')}]; ${doing} needs a token with the ${write ? 'api' : 'api or read_api'} scope`;
}

export function createPolicy(deps: { db: Executor; usersCanCreateGroups?: boolean }) {
  const { db } = deps;
  const mayCreateTopLevelGroups = (actor: Actor) =>
    actor.isAdmin || (deps.usersCanCreateGroups === true && actor.userId !== null);

  async function loadTarget(
    target: Target,
  ): Promise<{ group?: GroupRef; project?: ProjectRef; agent?: AgentRef } | null> {
    const groupCols = {
      id: groups.id,
      parentId: groups.parentId,
      name: groups.name,
      path: groups.path,
      fullPath: groups.fullPath,
    };
    const projectCols = {
      id: projects.id,
      groupId: projects.groupId,
      name: projects.name,
      path: projects.path,
      fullPath: projects.fullPath,
    };
    if (target.type === 'group') {
      const [group] = await db.select(groupCols).from(groups).where(eq(groups.id, target.id));
      return group ? { group } : null;
    }
    if (target.type === 'project') {
      const [project] = await db.select(projectCols).from(projects).where(eq(projects.id, target.id));
      return project ? { project } : null;
    }
    const [row] = await db
      .select({
        agent: { id: agents.id, projectId: agents.projectId, name: agents.name, receptive: agents.receptive },
        project: projectCols,
      })
      .from(agents)
      .innerJoin(projects, eq(projects.id, agents.projectId))
      .where(eq(agents.id, target.id));
    return row ?? null;
  }

  /** The user's highest role on a group (by full path) or project, direct or inherited. */
  async function roleOn(
    userId: number,
    where: { groupFullPath: string; projectId?: number },
  ): Promise<Role | null> {
    const prefixes = pathPrefixes(where.groupFullPath);
    const rows = await db
      .select({ role: memberships.role })
      .from(memberships)
      .leftJoin(groups, eq(groups.id, memberships.groupId))
      .where(
        and(
          eq(memberships.userId, userId),
          or(
            and(isNotNull(memberships.groupId), inArray(groups.fullPath, prefixes)),
            where.projectId !== undefined ? eq(memberships.projectId, where.projectId) : undefined,
          ),
        ),
      );
    return maxRole(rows.map((r) => r.role));
  }

  function groupPathOfProject(project: ProjectRef): string {
    return project.fullPath.slice(0, project.fullPath.lastIndexOf('/'));
  }

  async function roleFor(
    userId: number,
    loaded: { group?: GroupRef; project?: ProjectRef },
  ): Promise<Role | null> {
    if (loaded.project) {
      return roleOn(userId, {
        groupFullPath: groupPathOfProject(loaded.project),
        projectId: loaded.project.id,
      });
    }
    if (loaded.group) return roleOn(userId, { groupFullPath: loaded.group.fullPath });
    return null;
  }

  function notFoundMessage(target: Target): string {
    return `${target.type} ${target.id} not found; check the id, or ask an owner to add you as a member if it exists`;
  }

  function describeTarget(loaded: { group?: GroupRef; project?: ProjectRef; agent?: AgentRef }): string {
    if (loaded.agent && loaded.project) return `project ${loaded.project.fullPath}`;
    if (loaded.project) return `project ${loaded.project.fullPath}`;
    return `group ${loaded.group?.fullPath ?? '?'}`;
  }

  /** The actor's effective role on a loaded target: 'admin' for administrators, null when it is not visible. */
  async function effectiveRole(
    actor: Actor,
    loaded: { group?: GroupRef; project?: ProjectRef },
  ): Promise<Role | 'admin' | null> {
    if (actor.isAdmin) return 'admin';
    if (actor.userId === null) return null;
    return roleFor(actor.userId, loaded);
  }

  /** The one rule check: `can` refuses with its reason, `actionsFor` lists what passes. */
  function refusal(actor: Actor, rule: Rule, role: Role | 'admin', where: () => string): string | null {
    const scope = scopeProblem(actor, rule.write, rule.doing);
    if (scope) return scope;
    if (role !== 'admin' && roleRank(role) < roleRank(rule.min)) {
      return `${rule.doing} needs the ${roleTitle(rule.min)} role in ${where()}; you are ${roleTitle(role)}. Ask an owner of ${where()} to raise your role`;
    }
    return null;
  }

  /** Every action on a target of `type` that an actor with `role` there may take (none when role is null). */
  function actionsFor(actor: Actor, type: TargetType, role: Role | 'admin' | null): Action[] {
    if (role === null) return [];
    return (Object.entries(rules) as [Action, Rule][])
      .filter(([, rule]) => rule.on === type && refusal(actor, rule, role, () => '') === null)
      .map(([action]) => action);
  }

  async function can(actor: Actor, action: Action, target: Target): Promise<Decision> {
    const rule: Rule = rules[action];
    if (rule.on !== target.type)
      throw new Error(`policy: ${action} applies to a ${rule.on}, not a ${target.type}`);
    const loaded = await loadTarget(target);
    if (!loaded) return { allowed: false, visible: false, reason: notFoundMessage(target) };
    const role = await effectiveRole(actor, loaded);
    if (role === null) return { allowed: false, visible: false, reason: notFoundMessage(target) };
    const reason = refusal(actor, rule, role, () => describeTarget(loaded));
    if (reason) return { allowed: false, visible: true, reason };
    return { allowed: true, ...loaded, role };
  }

  /** Why a global action is refused, or null when it is allowed. */
  function globalRefusal(actor: Actor, action: GlobalAction): string | null {
    const write = action !== 'audit:read';
    if ((action === 'user:manage' || action === 'audit:read') && !actor.isAdmin)
      return `${action === 'audit:read' ? 'reading the audit log' : 'managing users'} needs an administrator account`;
    if (actor.userId === null && !actor.isAdmin) return 'this action needs a signed-in user';
    const scope = scopeProblem(
      actor,
      write,
      action === 'group:create_root' ? 'creating groups' : 'this action',
    );
    if (scope) return scope;
    if (action === 'group:create_root' && !mayCreateTopLevelGroups(actor))
      return (
        'creating top-level groups needs an administrator account (an administrator may allow every user with ' +
        'MOORING_USERS_CAN_CREATE_GROUPS=true); ask an administrator to create the group and make you its Owner, ' +
        'or create a subgroup in a group where you are Maintainer'
      );
    return null;
  }

  return {
    can,
    /** Throws NotFoundError (not visible) or ForbiddenError (visible, not allowed); returns the loaded target. */
    async authorize(actor: Actor, action: Action, target: Target): Promise<Resolved> {
      const decision = await can(actor, action, target);
      if (!decision.allowed) {
        throw decision.visible ? new ForbiddenError(decision.reason) : new NotFoundError(decision.reason);
      }
      const { allowed: _allowed, ...resolved } = decision;
      return resolved;
    },
    /** Actions without a target. */
    authorizeGlobal(actor: Actor, action: GlobalAction): void {
      const reason = globalRefusal(actor, action);
      if (reason) throw new ForbiddenError(reason);
    },
    /**
     * What the actor may do on one target, by the same rules as `authorize`: the console shows exactly these
     * actions (an empty list when the target is not visible or does not exist).
     */
    async actionsOn(actor: Actor, target: Target): Promise<Action[]> {
      const loaded = await loadTarget(target);
      return loaded ? actionsFor(actor, target.type, await effectiveRole(actor, loaded)) : [];
    },
    /** `actionsOn` for a role already known (e.g. from `rolesOn` for a whole list). */
    actionsFor,
    /** The global actions the actor may take, by the same rules as `authorizeGlobal`. */
    globalActions(actor: Actor): GlobalAction[] {
      return GLOBAL_ACTIONS.filter((action) => globalRefusal(actor, action) === null);
    },
    /** Whether `group:create_root` would be allowed (the console shows "New group" only then). */
    mayCreateTopLevelGroups,
    /**
     * The user's highest role on each of many projects and groups (direct or inherited), in three queries whatever
     * the counts: what the caller does is the same work for ids that exist and ids that do not, so its answer time
     * tells nothing about which exist. Ids that do not exist, or where the user has no role, are absent.
     */
    async rolesOn(
      userId: number,
      targets: { projectIds: readonly number[]; groupIds: readonly number[] },
    ): Promise<{ projects: Map<number, Role>; groups: Map<number, Role> }> {
      // `-1` keeps each query's shape when a list is empty (no id is negative).
      const projectIds = [...new Set(targets.projectIds), -1];
      const groupIds = [...new Set(targets.groupIds), -1];
      const projectRows = await db
        .select({ id: projects.id, fullPath: projects.fullPath })
        .from(projects)
        .where(inArray(projects.id, projectIds));
      const groupRows = await db
        .select({ id: groups.id, fullPath: groups.fullPath })
        .from(groups)
        .where(inArray(groups.id, groupIds));
      const groupPathsOf = new Map<string, string[]>();
      const prefixesOf = (groupPath: string) => {
        let prefixes = groupPathsOf.get(groupPath);
        if (!prefixes) groupPathsOf.set(groupPath, (prefixes = pathPrefixes(groupPath)));
        return prefixes;
      };
      const projectGroupPath = (fullPath: string) => fullPath.slice(0, fullPath.lastIndexOf('/'));
      // '' keeps the query's shape when there is no group (no group has an empty path).
      const allPrefixes = new Set<string>(['']);
      for (const p of projectRows)
        for (const prefix of prefixesOf(projectGroupPath(p.fullPath))) allPrefixes.add(prefix);
      for (const g of groupRows) for (const prefix of prefixesOf(g.fullPath)) allPrefixes.add(prefix);
      const rows = await db
        .select({ role: memberships.role, projectId: memberships.projectId, groupPath: groups.fullPath })
        .from(memberships)
        .leftJoin(groups, eq(groups.id, memberships.groupId))
        .where(
          and(
            eq(memberships.userId, userId),
            or(
              and(isNotNull(memberships.groupId), inArray(groups.fullPath, [...allPrefixes])),
              inArray(memberships.projectId, projectIds),
            ),
          ),
        );
      const byGroupPath = new Map<string, Role[]>();
      const byProject = new Map<number, Role[]>();
      const add = <K>(map: Map<K, Role[]>, key: K, role: Role) => {
        const roles = map.get(key);
        if (roles) roles.push(role);
        else map.set(key, [role]);
      };
      for (const r of rows) {
        if (r.groupPath !== null) add(byGroupPath, r.groupPath, r.role);
        else if (r.projectId !== null) add(byProject, r.projectId, r.role);
      }
      const inherited = (groupPath: string) =>
        prefixesOf(groupPath).flatMap((prefix) => byGroupPath.get(prefix) ?? []);
      const result = { projects: new Map<number, Role>(), groups: new Map<number, Role>() };
      for (const p of projectRows) {
        const role = maxRole([...inherited(projectGroupPath(p.fullPath)), ...(byProject.get(p.id) ?? [])]);
        if (role) result.projects.set(p.id, role);
      }
      for (const g of groupRows) {
        const role = maxRole(inherited(g.fullPath));
        if (role) result.groups.set(g.id, role);
      }
      return result;
    },
  };
}

export type Policy = ReturnType<typeof createPolicy>;
