import { describeWithDatabases } from '@mooring/db/testing/backends';
import { auditLog, groups } from '@mooring/db';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { buildWorld, uniq, type World } from './testing/fixtures';

describeWithDatabases('groups, projects, memberships and policy', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    // These cases have users create top-level groups; agent-access.int.test.ts covers the admin-only default.
    w = await buildWorld(database().db, { usersCanCreateGroups: true });
  });

  it('nests groups and rewrites every full path below on rename and move', async () => {
    const root = await w.services.groups.create(w.actors.owner, { name: 'Root', path: uniq('root') });
    const sub = await w.services.groups.create(w.actors.owner, {
      name: 'Sub',
      path: 'sub',
      parentId: root.id,
    });
    const deep = await w.services.groups.create(w.actors.owner, {
      name: 'Deep',
      path: 'deep',
      parentId: sub.id,
    });
    const proj = await w.services.projects.create(w.actors.owner, { groupId: deep.id, name: 'P', path: 'p' });
    expect(proj.fullPath).toBe(`${root.path}/sub/deep/p`);

    await w.services.groups.update(w.actors.owner, sub.id, { path: 'renamed' });
    expect((await w.services.projects.get(w.actors.owner, proj.id)).fullPath).toBe(
      `${root.path}/renamed/deep/p`,
    );
    expect((await w.services.groups.get(w.actors.owner, deep.id)).fullPath).toBe(`${root.path}/renamed/deep`);

    // Move `deep` to the top level and back under root.
    await w.services.groups.move(w.actors.owner, deep.id, root.id);
    expect((await w.services.projects.get(w.actors.owner, proj.id)).fullPath).toBe(`${root.path}/deep/p`);
    await expect(w.services.groups.move(w.actors.owner, root.id, deep.id)).rejects.toThrow(
      /into itself or one of its subgroups/,
    );

    // Group deletion is refused while it has children, naming them.
    const refused = await w.services.groups.delete(w.actors.owner, root.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toMatch(
      new RegExp(`${root.path}/renamed.*delete or move its subgroups and projects first`),
    );
  });

  it('moves and renames projects, keeping paths unique', async () => {
    const target = await w.services.groups.create(w.actors.owner, { name: 'Target', path: uniq('target') });
    const p = await w.services.projects.create(w.actors.maintainer, {
      groupId: w.groupId,
      name: 'Mover',
      path: uniq('mover'),
    });
    const moved = await w.services.projects.move(w.actors.owner, p.id, target.id);
    expect(moved).toMatchObject({ groupId: target.id, fullPath: `${target.fullPath}/${p.path}` });
    await expect(w.services.projects.move(w.actors.maintainer, p.id, w.groupId)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const renamed = await w.services.projects.update(w.actors.owner, p.id, {
      name: 'Renamed ✓',
      path: 'renamed',
    });
    expect(renamed).toMatchObject({ name: 'Renamed ✓', fullPath: `${target.fullPath}/renamed` });
    await w.services.projects.create(w.actors.owner, { groupId: target.id, name: 'Second', path: 'second' });
    await expect(w.services.projects.update(w.actors.owner, p.id, { path: 'second' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('refuses deleting a project with agents until they are deleted', async () => {
    const project = await w.services.projects.create(w.actors.maintainer, {
      groupId: w.groupId,
      name: 'With agents',
      path: uniq('wa'),
    });
    const agent = await w.services.agents.register(w.actors.maintainer, {
      projectId: project.id,
      name: 'edge-1',
    });
    const err = await w.services.projects.delete(w.actors.owner, project.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toBe(
      `project ${project.fullPath} has 1 agent (edge-1); delete them first`,
    );
    await w.services.agents.delete(w.actors.maintainer, agent.id);
    await w.services.projects.delete(w.actors.owner, project.id);
    await expect(w.services.projects.get(w.admin, project.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('inherits group roles into subgroups and projects', async () => {
    const sub = await w.services.groups.create(w.actors.maintainer, {
      name: 'Team',
      path: uniq('team'),
      parentId: w.groupId,
    });
    const project = await w.services.projects.create(w.actors.maintainer, {
      groupId: sub.id,
      name: 'Svc',
      path: 'svc',
    });
    // Developer of the top group may read agents two levels down, a reporter may see the project only.
    await expect(w.services.agents.list(w.actors.developer, { projectId: project.id })).resolves.toEqual([]);
    await expect(w.services.projects.get(w.actors.reporter, project.id)).resolves.toMatchObject({
      id: project.id,
    });
    const members = await w.services.memberships.list(w.admin, { type: 'project', id: project.id });
    const dev = members.find((m) => m.userId === w.actors.developer.userId);
    expect(dev).toMatchObject({ role: 'developer', directRole: null });
    expect(dev!.source).not.toBe(project.fullPath);
    // A direct project role above the inherited one wins.
    await w.services.memberships.set(
      w.actors.owner,
      { type: 'project', id: project.id },
      { userId: w.actors.reporter.userId!, role: 'maintainer' },
    );
    await expect(
      w.services.agents.register(w.actors.reporter, { projectId: project.id, name: 'now-allowed' }),
    ).resolves.toMatchObject({ name: 'now-allowed' });
  });

  it('answers NotFound for invisible targets and Forbidden with a reason for visible ones', async () => {
    const outsider = await w.services.projects.get(w.actors.outsider, w.projectId).catch((e: unknown) => e);
    expect(outsider).toBeInstanceOf(NotFoundError);
    const reporter = await w.services.agents
      .register(w.actors.reporter, { projectId: w.projectId, name: 'nope' })
      .catch((e: unknown) => e);
    expect(reporter).toBeInstanceOf(ForbiddenError);
    expect((reporter as Error).message).toMatch(
      /^registering agents needs the Maintainer role in project .*\/app; you are Reporter\. Ask an owner/,
    );
    const d = await w.services.policy.can(w.actors.developer, 'agent:create_token', {
      type: 'agent',
      id: 999_999,
    });
    expect(d).toMatchObject({ allowed: false, visible: false });
    await expect(w.services.groups.list(w.actors.outsider)).resolves.toEqual([]);
    expect((await w.services.groups.list(w.actors.guest)).map((g) => g.id)).toContain(w.groupId);
  });

  it('lets only Owners manage members and keeps the last Owner of a top-level group', async () => {
    const target = { type: 'group' as const, id: w.groupId };
    await expect(
      w.services.memberships.set(w.actors.maintainer, target, {
        userId: w.actors.outsider.userId!,
        role: 'guest',
      }),
    ).rejects.toThrow(/managing members needs the Owner role/);
    const g = await w.services.groups.create(w.actors.developer, { name: 'Mine', path: uniq('mine') });
    await expect(
      w.services.memberships.set(
        w.actors.developer,
        { type: 'group', id: g.id },
        { userId: w.actors.developer.userId!, role: 'maintainer' },
      ),
    ).rejects.toThrow(/last Owner/);
    await w.services.memberships.set(
      w.actors.developer,
      { type: 'group', id: g.id },
      { userId: w.actors.outsider.userId!, username: w.actors.outsider.username, role: 'owner' },
    );
    await w.services.memberships.remove(
      w.actors.developer,
      { type: 'group', id: g.id },
      w.actors.developer.userId!,
    );
    await expect(w.services.groups.get(w.actors.developer, g.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      w.services.memberships.set(
        w.actors.outsider,
        { type: 'group', id: g.id },
        { userId: w.actors.guest.userId!, role: 'admin' as 'owner' },
      ),
    ).rejects.toThrow(/role:/);
  });

  it('validates names and paths: SQL-ish paths rejected with the field, unicode names stored verbatim', async () => {
    const bad = await w.services.groups
      .create(w.actors.owner, { name: 'x', path: "a'; drop table groups;--" })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).field).toBe('path');
    expect((bad as Error).message).toMatch(/^path: must use only letters, digits/);
    const name = `Ünïcødé 🚢 '); DROP TABLE projects;--`;
    const p = await w.services.projects.create(w.actors.maintainer, {
      groupId: w.groupId,
      name,
      path: uniq('u'),
    });
    expect((await w.services.projects.get(w.actors.guest, p.id)).name).toBe(name);
    await expect(
      w.services.projects.create(w.actors.maintainer, {
        groupId: w.groupId,
        name: 'line\nbreak',
        path: uniq('n'),
      }),
    ).rejects.toThrow(/control characters/);
    await expect(
      w.services.projects.create(w.actors.maintainer, { groupId: w.groupId, name: 'Dup', path: p.path }),
    ).rejects.toThrow(/already taken/);
  });

  it('writes nothing when a later step of a change fails (one transaction)', async () => {
    // An actor whose user row does not exist: the group insert succeeds, the owner membership
    // insert violates its foreign key, so the whole change must roll back (no group, no audit row).
    const ghost = { userId: 2_000_000_000, username: 'ghost', isAdmin: true };
    const path = uniq('ghost');
    await expect(w.services.groups.create(ghost, { name: 'Ghost', path })).rejects.toThrow();
    expect(await database().db.select().from(groups).where(eq(groups.fullPath, path))).toEqual([]);
    const audits = await database().db.select().from(auditLog).where(eq(auditLog.actorName, 'ghost'));
    expect(audits).toEqual([]);
  });

  it('records who changed what, from where', async () => {
    const g = await w.services.groups.create(w.actors.owner, { name: 'Audited', path: uniq('aud') });
    await w.services.groups.update(w.actors.owner, g.id, { name: 'Audited 2' });
    const rows = await w.services.audit.list(w.admin, { targetType: 'group', targetId: String(g.id) });
    expect(rows.map((r) => r.action)).toEqual(['group.update', 'group.create']);
    expect(rows[0]).toMatchObject({
      actorId: w.actors.owner.userId,
      actorName: w.actors.owner.username,
      address: '10.0.0.1',
    });
    await expect(w.services.audit.list(w.actors.owner)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
