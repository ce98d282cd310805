// Members and roles. A membership is on a group (inherited by everything below it) or a project.
// Only Owners (and admins) manage members; the last Owner of a top-level group cannot be removed
// or demoted, so a group never ends up unmanageable; a direct Owner of a project is demoted or removed
// only by another direct Owner of it or an administrator, never through a role inherited from a group
// (which anyone who moved the project into their own group would have).
import { groups, memberships, projects, users } from '@mooring/db';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { maxRole, pathPrefixes, type Resolved, type Target } from './policy';
import { idSchema, parseField, roleSchema, type Role } from './validation';

export type MembershipTarget = Extract<Target, { type: 'group' | 'project' }>;

export interface MemberInfo {
  userId: number;
  username: string;
  name: string;
  /** The role that counts (highest of direct and inherited). */
  role: Role;
  /** Direct membership on this target, if any. */
  directRole: Role | null;
  /** Where the effective role comes from: this target or an ancestor group's full path. */
  source: string;
}

export function createMembershipService(ctx: ServiceContext) {
  const { db, clock, policy, events } = ctx;

  const column = (t: MembershipTarget) => (t.type === 'group' ? memberships.groupId : memberships.projectId);

  async function ensureNotLastOwner(target: MembershipTarget, userId: number) {
    if (target.type !== 'group') return;
    const [group] = await db
      .select({ parentId: groups.parentId })
      .from(groups)
      .where(eq(groups.id, target.id));
    if (group?.parentId !== null) return;
    const owners = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(
        and(
          eq(memberships.groupId, target.id),
          eq(memberships.role, 'owner'),
          ne(memberships.userId, userId),
        ),
      );
    if (owners.length === 0) {
      throw new ConflictError('this is the last Owner of the group; make another member Owner first');
    }
  }

  /**
   * User ids are sequential, so adding by id alone would let any group Owner enumerate every
   * username (the answer lists the new member). Only administrators (who may list users anyway)
   * add by id alone; others also name the user, or change the role of someone already a member
   * here. A missing user and a wrong username get the same answer.
   */
  async function ensureKnownUser(
    actor: Actor,
    target: MembershipTarget,
    userId: number,
    username: string | undefined,
  ): Promise<void> {
    const [user] = await db
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(eq(users.id, userId));
    if (actor.isAdmin && username === undefined) {
      if (!user) throw new NotFoundError(`user ${userId} not found; check the id`);
      return;
    }
    if (username === undefined) {
      const members = await service.list(actor, target);
      if (members.some((m) => m.userId === userId)) return;
      throw new ValidationError(
        'username',
        'name the user you add: pass their username with the id (only administrators add by id alone)',
      );
    }
    if (!user || user.username !== username)
      throw new NotFoundError(`there is no user ${userId} named ${JSON.stringify(username)}; check both`);
  }

  async function directProjectRole(projectId: number, userId: number): Promise<Role | null> {
    const [row] = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)));
    return row?.role ?? null;
  }

  async function ensureMayDemoteProjectOwner(actor: Actor, resolved: Resolved, userId: number) {
    if (!resolved.project || actor.isAdmin || actor.userId === userId) return;
    if ((await directProjectRole(resolved.project.id, userId)) !== 'owner') return;
    if (actor.userId !== null && (await directProjectRole(resolved.project.id, actor.userId)) === 'owner')
      return;
    throw new ForbiddenError(
      `user ${userId} is a direct Owner of project ${resolved.project.fullPath}; only a direct Owner of the project ` +
        'or an administrator may demote or remove them (an Owner role inherited from a group is not enough)',
    );
  }

  const service = {
    /**
     * Adds (or changes the role of) the user named `username`: what an Owner who is not an administrator knows of
     * the person they add. The caller must be allowed to manage members before the name is looked up, so only
     * Owners learn whether a username exists (as GitLab's user search tells any signed-in user).
     */
    async add(
      actor: Actor,
      target: MembershipTarget,
      input: { username: string; role: Role },
    ): Promise<MemberInfo[]> {
      const role = parseField(roleSchema, input.role, 'role');
      await policy.authorize(
        actor,
        target.type === 'group' ? 'group:manage_members' : 'project:manage_members',
        target,
      );
      const [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, input.username));
      if (!user)
        throw new NotFoundError(
          `there is no user ${JSON.stringify(input.username)}; check the spelling, or ask an administrator to create the user`,
        );
      return service.set(actor, target, { userId: user.id, role, username: input.username });
    },

    /** Adds or changes a direct membership. */
    async set(
      actor: Actor,
      target: MembershipTarget,
      input: { userId: number; role: Role; username?: string },
    ): Promise<MemberInfo[]> {
      const role = parseField(roleSchema, input.role, 'role');
      const userId = parseField(idSchema, input.userId, 'userId');
      const resolved = await policy.authorize(
        actor,
        target.type === 'group' ? 'group:manage_members' : 'project:manage_members',
        target,
      );
      await ensureKnownUser(actor, target, userId, input.username);
      if (role !== 'owner') {
        await ensureNotLastOwner(target, userId);
        await ensureMayDemoteProjectOwner(actor, resolved, userId);
      }
      await db.transaction(async (tx) => {
        const [existing] = await tx
          .select({ id: memberships.id, role: memberships.role })
          .from(memberships)
          .where(and(eq(memberships.userId, userId), eq(column(target), target.id)));
        if (existing) await tx.update(memberships).set({ role }).where(eq(memberships.id, existing.id));
        else
          await tx.insert(memberships).values({
            userId,
            role,
            groupId: target.type === 'group' ? target.id : null,
            projectId: target.type === 'project' ? target.id : null,
            createdAt: clock.now(),
          });
        await writeAudit(
          tx,
          actor,
          {
            action: existing ? 'membership.update' : 'membership.create',
            targetType: target.type,
            targetId: target.id,
            details: { userId, role, previousRole: existing?.role ?? null },
          },
          clock,
        );
      });
      events.accessChangedFor([userId], 'membership changed');
      return this.list(actor, target);
    },

    async remove(actor: Actor, target: MembershipTarget, userId: number): Promise<void> {
      const resolved = await policy.authorize(
        actor,
        target.type === 'group' ? 'group:manage_members' : 'project:manage_members',
        target,
      );
      await ensureNotLastOwner(target, userId);
      await ensureMayDemoteProjectOwner(actor, resolved, userId);
      await db.transaction(async (tx) => {
        const gone = await tx
          .delete(memberships)
          .where(and(eq(memberships.userId, userId), eq(column(target), target.id)))
          .returning({ role: memberships.role });
        if (gone.length === 0)
          throw new NotFoundError(
            `user ${userId} is not a direct member of this ${target.type}; inherited members are removed on the group that grants the role`,
          );
        await writeAudit(
          tx,
          actor,
          {
            action: 'membership.delete',
            targetType: target.type,
            targetId: target.id,
            details: { userId, role: gone[0]!.role },
          },
          clock,
        );
      });
      events.accessChangedFor([userId], 'membership removed');
    },

    /** Direct and inherited members with their effective role. */
    async list(actor: Actor, target: MembershipTarget): Promise<MemberInfo[]> {
      const resolved = await policy.authorize(
        actor,
        target.type === 'group' ? 'group:read_members' : 'project:read_members',
        target,
      );
      const groupFullPath = resolved.project
        ? resolved.project.fullPath.slice(0, resolved.project.fullPath.lastIndexOf('/'))
        : resolved.group!.fullPath;
      const ancestors = await db
        .select({ id: groups.id, fullPath: groups.fullPath })
        .from(groups)
        .where(inArray(groups.fullPath, pathPrefixes(groupFullPath)));
      const pathOf = new Map(ancestors.map((a) => [a.id, a.fullPath]));
      const groupRows = await db
        .select({
          userId: memberships.userId,
          groupId: memberships.groupId,
          role: memberships.role,
          username: users.username,
          name: users.name,
        })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(
          inArray(
            memberships.groupId,
            ancestors.map((a) => a.id),
          ),
        );
      const projectRows = resolved.project
        ? await db
            .select({
              userId: memberships.userId,
              role: memberships.role,
              username: users.username,
              name: users.name,
            })
            .from(memberships)
            .innerJoin(users, eq(users.id, memberships.userId))
            .where(eq(memberships.projectId, resolved.project.id))
        : [];
      const here = resolved.project ? resolved.project.fullPath : groupFullPath;
      const byUser = new Map<number, MemberInfo>();
      const consider = (
        row: { userId: number; username: string; name: string; role: Role },
        source: string,
      ) => {
        const direct = source === here;
        const prev = byUser.get(row.userId);
        const best = maxRole([row.role, ...(prev ? [prev.role] : [])])!;
        byUser.set(row.userId, {
          userId: row.userId,
          username: row.username,
          name: row.name,
          role: best,
          directRole: direct ? row.role : (prev?.directRole ?? null),
          source: prev && prev.role === best ? prev.source : source,
        });
      };
      for (const r of groupRows) consider(r, pathOf.get(r.groupId!) ?? '');
      for (const r of projectRows) consider(r, here);
      return [...byUser.values()].sort((a, b) => a.username.localeCompare(b.username));
    },

    /** Direct memberships of one user (for the user's profile and `user` impersonation groups). */
    async ofUser(
      userId: number,
    ): Promise<{ groupId: number | null; projectId: number | null; role: Role; fullPath: string }[]> {
      const rows = await db
        .select({
          groupId: memberships.groupId,
          projectId: memberships.projectId,
          role: memberships.role,
          groupPath: groups.fullPath,
          projectPath: projects.fullPath,
        })
        .from(memberships)
        .leftJoin(groups, eq(groups.id, memberships.groupId))
        .leftJoin(projects, eq(projects.id, memberships.projectId))
        .where(eq(memberships.userId, userId))
        .orderBy(asc(memberships.id));
      return rows.map((r) => ({
        groupId: r.groupId,
        projectId: r.projectId,
        role: r.role,
        fullPath: r.groupPath ?? r.projectPath ?? '',
      }));
    },
  };
  return service;
}
export type MembershipService = ReturnType<typeof createMembershipService>;
