// Groups (nested) and projects. full_path is stored denormalised for lookups and inheritance;
// rename and move rewrite the full paths of everything below in the same transaction.
// Deletion is refused while something depends on the target: users delete agents, projects and
// subgroups explicitly, so nothing disappears by surprise.
import { agents, groups, memberships, projects, type Executor } from '@mooring/db';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Actor } from './actor';
import { writeAudit } from './audit';
import { isUniqueViolation, type ServiceContext } from './context';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import type { GroupRef, ProjectRef } from './policy';
import { descriptionSchema, displayNameSchema, idSchema, parseField, pathSegmentSchema } from './validation';

export interface GroupInfo extends GroupRef {
  description: string;
  createdAt: Date;
}
export interface ProjectInfo extends ProjectRef {
  description: string;
  createdAt: Date;
}

const groupColumns = {
  id: groups.id,
  parentId: groups.parentId,
  name: groups.name,
  path: groups.path,
  fullPath: groups.fullPath,
  description: groups.description,
  createdAt: groups.createdAt,
};
const projectColumns = {
  id: projects.id,
  groupId: projects.groupId,
  name: projects.name,
  path: projects.path,
  fullPath: projects.fullPath,
  description: projects.description,
  createdAt: projects.createdAt,
};

/** Rewrites `old/…` to `new/…` for every group and project below `oldPath`. */
async function rewriteDescendantPaths(tx: Executor, oldPath: string, newPath: string): Promise<void> {
  const prefix = `${oldPath}/`;
  for (const table of [groups, projects] as const) {
    await tx
      .update(table)
      .set({ fullPath: sql`${newPath} || substr(${table.fullPath}, ${oldPath.length + 1})` })
      .where(sql`left(${table.fullPath}, ${prefix.length}) = ${prefix}`);
  }
}

function pathTaken(fullPath: string): ConflictError {
  return new ConflictError(
    `the path ${fullPath} is already taken by a group or project; choose another path`,
  );
}

export function createNamespaceService(ctx: ServiceContext) {
  const { db, clock, policy } = ctx;

  async function fullPathFree(tx: Executor, fullPath: string): Promise<boolean> {
    const [g] = await tx.select({ id: groups.id }).from(groups).where(eq(groups.fullPath, fullPath));
    const [p] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.fullPath, fullPath));
    return !g && !p;
  }

  async function ensureFree(tx: Executor, fullPath: string) {
    if (!(await fullPathFree(tx, fullPath))) throw pathTaken(fullPath);
  }

  async function withUniqueGuard<T>(fullPath: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw pathTaken(fullPath);
      throw err;
    }
  }

  /** Ids of the groups the user is a member of, directly or through an ancestor. */
  async function visibleGroupPaths(userId: number): Promise<string[]> {
    const rows = await db
      .select({ fullPath: groups.fullPath })
      .from(memberships)
      .innerJoin(groups, eq(groups.id, memberships.groupId))
      .where(eq(memberships.userId, userId));
    return rows.map((r) => r.fullPath);
  }

  const groupsApi = {
    /**
     * Top-level groups need an administrator (or any signed-in user when kas allows it; the creator becomes
     * Owner); subgroups need Maintainer on the parent.
     */
    async create(
      actor: Actor,
      input: { name: string; path: string; parentId?: number | null; description?: string },
    ): Promise<GroupInfo> {
      const name = parseField(displayNameSchema, input.name, 'name');
      const path = parseField(pathSegmentSchema, input.path, 'path');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      let parent: GroupRef | undefined;
      if (input.parentId != null) {
        parseField(idSchema, input.parentId, 'parentId');
        parent = (
          await policy.authorize(actor, 'group:create_subgroup', { type: 'group', id: input.parentId })
        ).group;
      } else {
        policy.authorizeGlobal(actor, 'group:create_root');
      }
      const fullPath = parent ? `${parent.fullPath}/${path}` : path;
      return withUniqueGuard(fullPath, () =>
        db.transaction(async (tx) => {
          await ensureFree(tx, fullPath);
          const [row] = await tx
            .insert(groups)
            .values({
              name,
              path,
              fullPath,
              description,
              parentId: parent?.id ?? null,
              createdAt: clock.now(),
            })
            .returning(groupColumns);
          if (!parent && actor.userId !== null) {
            await tx.insert(memberships).values({ userId: actor.userId, groupId: row!.id, role: 'owner' });
          }
          await writeAudit(
            tx,
            actor,
            { action: 'group.create', targetType: 'group', targetId: row!.id, details: { fullPath, name } },
            clock,
          );
          return row!;
        }),
      );
    },

    /** Whether the actor may create top-level groups. */
    canCreateTopLevel: (actor: Actor): boolean => policy.mayCreateTopLevelGroups(actor),

    async get(actor: Actor, id: number): Promise<GroupInfo> {
      await policy.authorize(actor, 'group:read', { type: 'group', id });
      const [row] = await db.select(groupColumns).from(groups).where(eq(groups.id, id));
      if (!row) throw new NotFoundError(`group ${id} not found`);
      return row;
    },

    async getByPath(actor: Actor, fullPath: string): Promise<GroupInfo> {
      const [row] = await db.select({ id: groups.id }).from(groups).where(eq(groups.fullPath, fullPath));
      if (!row) throw new NotFoundError(`group ${fullPath} not found; check the path`);
      return groupsApi.get(actor, row.id);
    },

    /** Every group the actor can see (admins: all), ordered by full path. */
    async list(actor: Actor): Promise<GroupInfo[]> {
      const all = await db.select(groupColumns).from(groups).orderBy(asc(groups.fullPath));
      if (actor.isAdmin) return all;
      if (actor.userId === null) return [];
      const roots = await visibleGroupPaths(actor.userId);
      return all.filter((g) => roots.some((r) => g.fullPath === r || g.fullPath.startsWith(`${r}/`)));
    },

    async update(
      actor: Actor,
      id: number,
      input: { name?: string; path?: string; description?: string },
    ): Promise<GroupInfo> {
      const { group } = await policy.authorize(actor, 'group:update', { type: 'group', id });
      const patch: Partial<typeof groups.$inferInsert> = {};
      if (input.name !== undefined) patch.name = parseField(displayNameSchema, input.name, 'name');
      if (input.description !== undefined)
        patch.description = parseField(descriptionSchema, input.description, 'description');
      let newFullPath = group!.fullPath;
      if (input.path !== undefined && input.path !== group!.path) {
        patch.path = parseField(pathSegmentSchema, input.path, 'path');
        const parentPath = group!.fullPath.slice(0, group!.fullPath.length - group!.path.length);
        newFullPath = parentPath + patch.path;
        patch.fullPath = newFullPath;
      }
      return withUniqueGuard(newFullPath, () =>
        db.transaction(async (tx) => {
          if (newFullPath !== group!.fullPath) {
            await ensureFree(tx, newFullPath);
            await rewriteDescendantPaths(tx, group!.fullPath, newFullPath);
          }
          const [row] = await tx.update(groups).set(patch).where(eq(groups.id, id)).returning(groupColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'group.update',
              targetType: 'group',
              targetId: id,
              details: { ...input, fullPath: newFullPath, previousFullPath: group!.fullPath },
            },
            clock,
          );
          return row!;
        }),
      );
    },

    /** Moves a group under another (or to the top with null). Needs Owner here and Maintainer there. */
    async move(actor: Actor, id: number, newParentId: number | null): Promise<GroupInfo> {
      const { group } = await policy.authorize(actor, 'group:update', { type: 'group', id });
      let parent: GroupRef | undefined;
      if (newParentId !== null) {
        parent = (await policy.authorize(actor, 'group:create_subgroup', { type: 'group', id: newParentId }))
          .group;
        if (parent!.id === id || parent!.fullPath.startsWith(`${group!.fullPath}/`)) {
          throw new ValidationError(
            'parentId',
            `cannot move group ${group!.fullPath} into itself or one of its subgroups; pick a group outside it`,
          );
        }
      } else {
        policy.authorizeGlobal(actor, 'group:create_root');
      }
      const newFullPath = parent ? `${parent.fullPath}/${group!.path}` : group!.path;
      if (newFullPath === group!.fullPath) return groupsApi.get(actor, id);
      const moved = await withUniqueGuard(newFullPath, () =>
        db.transaction(async (tx) => {
          await ensureFree(tx, newFullPath);
          await rewriteDescendantPaths(tx, group!.fullPath, newFullPath);
          const [row] = await tx
            .update(groups)
            .set({ parentId: parent?.id ?? null, fullPath: newFullPath })
            .where(eq(groups.id, id))
            .returning(groupColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'group.move',
              targetType: 'group',
              targetId: id,
              details: { from: group!.fullPath, to: newFullPath },
            },
            clock,
          );
          return row!;
        }),
      );
      // Roles inherited from the old ancestors are gone: open streams re-authorize.
      ctx.events.accessChangedFor('everyone', 'group moved');
      return moved;
    },

    /** Refused while the group has subgroups or projects, naming them. */
    async delete(actor: Actor, id: number): Promise<void> {
      const { group } = await policy.authorize(actor, 'group:delete', { type: 'group', id });
      await db.transaction(async (tx) => {
        const subgroups = await tx
          .select({ fullPath: groups.fullPath })
          .from(groups)
          .where(eq(groups.parentId, id))
          .limit(6);
        const children = await tx
          .select({ fullPath: projects.fullPath })
          .from(projects)
          .where(eq(projects.groupId, id))
          .limit(6);
        if (subgroups.length + children.length > 0) {
          const names = [...subgroups, ...children]
            .map((r) => r.fullPath)
            .slice(0, 5)
            .join(', ');
          throw new ConflictError(
            `group ${group!.fullPath} still contains ${names}${subgroups.length + children.length > 5 ? ', …' : ''}; delete or move its subgroups and projects first`,
          );
        }
        await tx.delete(groups).where(eq(groups.id, id));
        await writeAudit(
          tx,
          actor,
          {
            action: 'group.delete',
            targetType: 'group',
            targetId: id,
            details: { fullPath: group!.fullPath },
          },
          clock,
        );
      });
    },
  };

  const projectsApi = {
    async create(
      actor: Actor,
      input: { groupId: number; name: string; path: string; description?: string },
    ): Promise<ProjectInfo> {
      parseField(idSchema, input.groupId, 'groupId');
      const name = parseField(displayNameSchema, input.name, 'name');
      const path = parseField(pathSegmentSchema, input.path, 'path');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      const { group } = await policy.authorize(actor, 'group:create_project', {
        type: 'group',
        id: input.groupId,
      });
      const fullPath = `${group!.fullPath}/${path}`;
      return withUniqueGuard(fullPath, () =>
        db.transaction(async (tx) => {
          await ensureFree(tx, fullPath);
          const [row] = await tx
            .insert(projects)
            .values({ groupId: group!.id, name, path, fullPath, description, createdAt: clock.now() })
            .returning(projectColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'project.create',
              targetType: 'project',
              targetId: row!.id,
              details: { fullPath, name },
            },
            clock,
          );
          return row!;
        }),
      );
    },

    async get(actor: Actor, id: number): Promise<ProjectInfo> {
      await policy.authorize(actor, 'project:read', { type: 'project', id });
      const [row] = await db.select(projectColumns).from(projects).where(eq(projects.id, id));
      if (!row) throw new NotFoundError(`project ${id} not found`);
      return row;
    },

    async getByPath(actor: Actor, fullPath: string): Promise<ProjectInfo> {
      const [row] = await db
        .select({ id: projects.id })
        .from(projects)
        .where(eq(projects.fullPath, fullPath));
      if (!row) throw new NotFoundError(`project ${fullPath} not found; check the path`);
      return projectsApi.get(actor, row.id);
    },

    /** Projects the actor can see, optionally only those in one group (not subgroups). */
    async list(actor: Actor, filter: { groupId?: number } = {}): Promise<ProjectInfo[]> {
      const base = db.select(projectColumns).from(projects);
      const all = await (
        filter.groupId !== undefined ? base.where(eq(projects.groupId, filter.groupId)) : base
      ).orderBy(asc(projects.fullPath));
      if (actor.isAdmin) return all;
      if (actor.userId === null) return [];
      const groupPaths = await visibleGroupPaths(actor.userId);
      const direct = await db
        .select({ projectId: memberships.projectId })
        .from(memberships)
        .where(and(eq(memberships.userId, actor.userId), isNull(memberships.groupId)));
      const directIds = new Set(direct.map((d) => d.projectId));
      return all.filter((p) => directIds.has(p.id) || groupPaths.some((r) => p.fullPath.startsWith(`${r}/`)));
    },

    async update(
      actor: Actor,
      id: number,
      input: { name?: string; path?: string; description?: string },
    ): Promise<ProjectInfo> {
      const { project } = await policy.authorize(actor, 'project:update', { type: 'project', id });
      const patch: Partial<typeof projects.$inferInsert> = {};
      if (input.name !== undefined) patch.name = parseField(displayNameSchema, input.name, 'name');
      if (input.description !== undefined)
        patch.description = parseField(descriptionSchema, input.description, 'description');
      let newFullPath = project!.fullPath;
      if (input.path !== undefined && input.path !== project!.path) {
        patch.path = parseField(pathSegmentSchema, input.path, 'path');
        newFullPath =
          project!.fullPath.slice(0, project!.fullPath.length - project!.path.length) + patch.path;
        patch.fullPath = newFullPath;
      }
      return withUniqueGuard(newFullPath, () =>
        db.transaction(async (tx) => {
          if (newFullPath !== project!.fullPath) await ensureFree(tx, newFullPath);
          const [row] = await tx
            .update(projects)
            .set(patch)
            .where(eq(projects.id, id))
            .returning(projectColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'project.update',
              targetType: 'project',
              targetId: id,
              details: { ...input, fullPath: newFullPath, previousFullPath: project!.fullPath },
            },
            clock,
          );
          return row!;
        }),
      );
    },

    /** Moves a project to another group: Owner here and Maintainer there (GitLab's rule). */
    async move(actor: Actor, id: number, newGroupId: number): Promise<ProjectInfo> {
      const { project } = await policy.authorize(actor, 'project:move', { type: 'project', id });
      const { group } = await policy.authorize(actor, 'group:create_project', {
        type: 'group',
        id: newGroupId,
      });
      const newFullPath = `${group!.fullPath}/${project!.path}`;
      const moved = await withUniqueGuard(newFullPath, () =>
        db.transaction(async (tx) => {
          if (newFullPath !== project!.fullPath) await ensureFree(tx, newFullPath);
          const [row] = await tx
            .update(projects)
            .set({ groupId: group!.id, fullPath: newFullPath })
            .where(eq(projects.id, id))
            .returning(projectColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'project.move',
              targetType: 'project',
              targetId: id,
              details: { from: project!.fullPath, to: newFullPath },
            },
            clock,
          );
          return row!;
        }),
      );
      // Roles inherited from the old ancestors are gone: open streams re-authorize.
      ctx.events.accessChangedFor('everyone', 'project moved');
      return moved;
    },

    /** Refused while the project has agents, naming them. */
    async delete(actor: Actor, id: number): Promise<void> {
      const { project } = await policy.authorize(actor, 'project:delete', { type: 'project', id });
      await db.transaction(async (tx) => {
        const remaining = await tx
          .select({ name: agents.name })
          .from(agents)
          .where(eq(agents.projectId, id))
          .orderBy(asc(agents.name));
        if (remaining.length > 0) {
          throw new ConflictError(
            `project ${project!.fullPath} has ${remaining.length} agent${remaining.length > 1 ? 's' : ''} (${remaining.map((a) => a.name).join(', ')}); delete them first`,
          );
        }
        await tx.delete(projects).where(eq(projects.id, id));
        await writeAudit(
          tx,
          actor,
          {
            action: 'project.delete',
            targetType: 'project',
            targetId: id,
            details: { fullPath: project!.fullPath },
          },
          clock,
        );
      });
    },
  };

  return { groups: groupsApi, projects: projectsApi };
}
export type NamespaceService = ReturnType<typeof createNamespaceService>;
