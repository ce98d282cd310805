// Who may use an agent, attacked the way the security review did: backtracking environment patterns, CI jobs
// of the agent's own project outside its ci_access, squatting a path the config names before it exists, and
// moving a project to gain Owner over it.
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from './actor';
import { ForbiddenError } from './errors';
import { buildWorld, uniq, type World } from './testing/fixtures';
import type { VerifiedCiJob } from './ci-job-tokens';

describeWithDatabases('agent access', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(database().db);
  });
  const newAgent = () =>
    w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('a').toLowerCase(),
    });
  /** A project named `name` in the world's group, made by an administrator. */
  const newProject = (name: string) =>
    w.services.projects.create(w.admin, { groupId: w.groupId, name, path: uniq(name.toLowerCase()) });
  const projectPath = async () => (await w.services.projects.get(w.admin, w.projectId)).fullPath;
  const jobIn = async (projectId: number, environment?: string): Promise<VerifiedCiJob> => {
    const { token } = await w.services.ciJobTokens.mint(w.admin, {
      projectId,
      jobId: uniq('j').replace(/[^A-Za-z0-9]/g, ''),
      ...(environment && { environment }),
    });
    return (await w.services.ciJobTokens.verify(token))!;
  };
  /** A top-level group with `owner` as its Owner, made by an administrator. */
  const groupOwnedBy = async (owner: Actor, path = uniq('g')) => {
    const group = await w.services.groups.create(w.admin, { name: 'G', path });
    await w.services.memberships.set(
      w.admin,
      { type: 'group', id: group.id },
      { userId: owner.userId!, role: 'owner' },
    );
    return group;
  };

  describe('finding 1: environment patterns', () => {
    it('match as globs without ever turning config text into a RegExp', async () => {
      const agent = await newAgent();
      const pattern = `${'a*'.repeat(8)}b`;
      const other = await newProject('E');
      await w.services.agentConfigs.save(
        w.actors.maintainer,
        agent.id,
        `ci_access:\n  projects:\n    - id: ${other.fullPath}\n      environments: ["${pattern}", "review/*"]\n`,
      );
      // 30 characters: as a RegExp this already backtracks millions of times (52 took 12 s).
      const job = await jobIn(other.id, 'a'.repeat(30));
      const review = await jobIn(other.id, 'review/feat-1');
      // Every RegExp built while deciding (regex literals do not pass through the constructor).
      const built: string[] = [];
      const original = globalThis.RegExp;
      globalThis.RegExp = new Proxy(original, {
        construct(target, args: [string | RegExp, string?]) {
          built.push(String(args[0]));
          return Reflect.construct(target, args) as RegExp;
        },
        apply(target, self, args: [string | RegExp, string?]) {
          built.push(String(args[0]));
          return Reflect.apply(target, self, args) as RegExp;
        },
      });
      try {
        expect(await w.services.agentAccess.forCiJob(job, agent.id)).toBeNull();
        expect(await w.services.agentAccess.forCiJob(review, agent.id)).not.toBeNull();
      } finally {
        globalThis.RegExp = original;
      }
      expect(built.filter((source) => source.includes('a.*a') || source.includes('review'))).toEqual([]);
    });
  });

  describe('finding 3: CI jobs of the agent’s own project', () => {
    it('may use the agent only when the config has no ci_access at all', async () => {
      const agent = await newAgent();
      const prod = await jobIn(w.projectId, 'prod');
      // No configuration, then one without ci_access: the own project's jobs may use the agent.
      expect(await w.services.agentAccess.forCiJob(prod, agent.id)).not.toBeNull();
      const noCiAccess = 'observability:\n  logging:\n    level: info\n';
      await w.services.agentConfigs.save(w.actors.maintainer, agent.id, noCiAccess);
      expect(await w.services.agentAccess.forCiJob(prod, agent.id)).not.toBeNull();
      // ci_access lists the own project for review environments only: a prod job gets nothing.
      await w.services.agentConfigs.save(
        w.actors.maintainer,
        agent.id,
        `ci_access:\n  projects:\n    - id: ${await projectPath()}\n      environments: ["review/*"]\n      access_as: {ci_job: {}}\n`,
      );
      expect(await w.services.agentAccess.forCiJob(prod, agent.id)).toBeNull();
      expect(
        await w.services.agentAccess.forCiJob(await jobIn(w.projectId, 'review/x'), agent.id),
      ).toMatchObject({
        accessAs: { ci_job: {} },
      });
      // ci_access naming only another project: the own project's jobs get nothing either.
      const other = await newProject('O');
      await w.services.agentConfigs.save(
        w.actors.maintainer,
        agent.id,
        `ci_access:\n  projects:\n    - id: ${other.fullPath}\n`,
      );
      expect(await w.services.agentAccess.forCiJob(prod, agent.id)).toBeNull();
      expect(await w.services.agentAccess.forCiJob(await jobIn(other.id), agent.id)).toMatchObject({
        accessAs: { agent: {} },
      });
      await w.services.agentConfigs.save(w.actors.maintainer, agent.id, noCiAccess);
      expect(await w.services.agentAccess.forCiJob(prod, agent.id)).toMatchObject({
        kind: 'ci_job',
        project: { id: w.projectId },
        accessAs: { agent: {} },
      });
    });
  });

  describe('finding 4: paths are resolved when the config is saved', () => {
    it('reports unknown paths as warnings and does not hand the share to whoever creates that path later', async () => {
      const agent = await newAgent();
      const squatted = uniq('squat');
      const yaml = `ci_access:\n  groups:\n    - id: ${squatted}\nuser_access:\n  access_as: {agent: {}}\n  projects:\n    - id: ${squatted}/app\n`;
      const saved = await w.services.agentConfigs.save(w.actors.maintainer, agent.id, yaml);
      // Someone creates the path afterwards (here an administrator, as only they may create top-level groups).
      const attacker = w.actors.outsider;
      const group = await groupOwnedBy(attacker, squatted);
      const project = await w.services.projects.create(attacker, {
        groupId: group.id,
        name: 'App',
        path: 'app',
      });
      const user = { id: attacker.userId!, username: attacker.username, isAdmin: false };
      expect(await w.services.agentAccess.forCiJob(await jobIn(project.id), agent.id)).toBeNull();
      expect(await w.services.agentAccess.forUser(user, agent.id, 'personal_access_token')).toBeNull();

      // The save reported both paths as unknown; the editor shows the live version's warnings.
      expect(saved.warnings).toEqual([
        {
          path: 'ci_access.groups[0].id',
          message: expect.stringMatching(new RegExp(`^no group ${squatted} exists`)),
        },
        {
          path: 'user_access.projects[0].id',
          message: expect.stringMatching(new RegExp(`^no project ${squatted}/app exists`)),
        },
      ]);
      expect((await w.services.agentConfigs.getLive(w.actors.developer, agent.id))!.warnings).toEqual(
        saved.warnings,
      );

      // An explicit re-save of the same text re-resolves, without a new version.
      const versions = (await w.services.agentConfigs.history(w.admin, agent.id)).length;
      const resaved = await w.services.agentConfigs.save(w.actors.maintainer, agent.id, yaml);
      expect(resaved).toMatchObject({ version: saved.version, warnings: [], created: false });
      expect((await w.services.agentConfigs.history(w.admin, agent.id)).length).toBe(versions);
      expect(await w.services.agentAccess.forCiJob(await jobIn(project.id), agent.id)).toMatchObject({
        kind: 'ci_job',
      });
      expect(await w.services.agentAccess.forUser(user, agent.id, 'personal_access_token')).toMatchObject({
        kind: 'user',
        projects: [{ id: project.id, roles: ['owner'] }],
      });

      // The share follows the group it was resolved to: renamed, it keeps access; the old path, re-created by
      // someone else, gets nothing.
      await w.services.groups.update(attacker, group.id, { path: uniq('renamed') });
      expect(await w.services.agentAccess.forCiJob(await jobIn(project.id), agent.id)).toMatchObject({
        kind: 'ci_job',
      });
      const impostor = await groupOwnedBy(w.actors.guest, squatted);
      const impostorProject = await w.services.projects.create(w.actors.guest, {
        groupId: impostor.id,
        name: 'App',
        path: 'app',
      });
      expect(await w.services.agentAccess.forCiJob(await jobIn(impostorProject.id), agent.id)).toBeNull();
      const guest = { id: w.actors.guest.userId!, username: w.actors.guest.username, isAdmin: false };
      expect(await w.services.agentAccess.forUser(guest, agent.id, 'session_cookie')).toBeNull();
      expect(
        (await w.services.agentAccess.sharedWithProject(w.actors.guest, impostorProject.id)).map(
          (s) => s.agentId,
        ),
      ).not.toContain(agent.id);
    });

    it('lets only administrators create top-level groups unless users may (MOORING_USERS_CAN_CREATE_GROUPS)', async () => {
      const refused = await w.services.groups
        .create(w.actors.owner, { name: 'Mine', path: uniq('mine') })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ForbiddenError);
      expect((refused as Error).message).toMatch(
        /top-level groups.*administrator.*MOORING_USERS_CAN_CREATE_GROUPS/,
      );
      expect(w.services.groups.canCreateTopLevel(w.actors.owner)).toBe(false);
      expect(w.services.groups.canCreateTopLevel(w.admin)).toBe(true);
      // Moving a group to the top level is creating one.
      const sub = await w.services.groups.create(w.actors.owner, {
        name: 'Sub',
        path: uniq('sub'),
        parentId: w.groupId,
      });
      await expect(w.services.groups.move(w.actors.owner, sub.id, null)).rejects.toBeInstanceOf(
        ForbiddenError,
      );

      const open = await buildWorld(database().db, { usersCanCreateGroups: true });
      expect(open.services.groups.canCreateTopLevel(open.actors.developer)).toBe(true);
      await expect(
        open.services.groups.create(open.actors.developer, { name: 'Mine', path: uniq('mine') }),
      ).resolves.toMatchObject({ parentId: null });
    });
  });

  describe('finding 8: moving projects', () => {
    it('needs Owner of the project and Maintainer of the target group', async () => {
      const project = await newProject('M');
      // A Maintainer of the project who owns another group may not pull the project into it.
      const own = await groupOwnedBy(w.actors.maintainer);
      const refused = await w.services.projects
        .move(w.actors.maintainer, project.id, own.id)
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ForbiddenError);
      expect((refused as Error).message).toMatch(/^moving a project needs the Owner role in project /);
      // An Owner of the project needs Maintainer in the target group.
      const elsewhere = await groupOwnedBy(w.actors.guest);
      const ownerIsThere = (role: 'developer' | 'maintainer') =>
        w.services.memberships.set(
          w.actors.guest,
          { type: 'group', id: elsewhere.id },
          { userId: w.actors.owner.userId!, username: w.actors.owner.username, role },
        );
      await ownerIsThere('developer');
      await expect(w.services.projects.move(w.actors.owner, project.id, elsewhere.id)).rejects.toThrow(
        /creating projects needs the Maintainer role/,
      );
      await ownerIsThere('maintainer');
      await expect(w.services.projects.move(w.actors.owner, project.id, elsewhere.id)).resolves.toMatchObject(
        {
          groupId: elsewhere.id,
        },
      );
    });

    it('never lets an inherited role demote or remove an Owner of the project', async () => {
      const project = await newProject('D');
      const target = { type: 'project' as const, id: project.id };
      const realOwner = w.actors.outsider;
      await w.services.memberships.set(w.admin, target, { userId: realOwner.userId!, role: 'owner' });
      // w.actors.owner is Owner of the project only through its group.
      const demote = await w.services.memberships
        .set(w.actors.owner, target, { userId: realOwner.userId!, role: 'developer' })
        .catch((e: unknown) => e);
      expect(demote).toBeInstanceOf(ForbiddenError);
      expect((demote as Error).message).toMatch(
        /Owner of project .* only a direct Owner of the project or an administrator/,
      );
      await expect(
        w.services.memberships.remove(w.actors.owner, target, realOwner.userId!),
      ).rejects.toBeInstanceOf(ForbiddenError);
      // The inherited Owner may still manage the other members.
      await w.services.memberships.set(w.actors.owner, target, {
        userId: w.actors.guest.userId!,
        role: 'reporter',
      });
      // A direct Owner may demote another direct Owner; so may an administrator.
      await w.services.memberships.set(realOwner, target, { userId: w.actors.guest.userId!, role: 'owner' });
      await w.services.memberships.set(realOwner, target, {
        userId: w.actors.guest.userId!,
        role: 'developer',
      });
      await w.services.memberships.set(w.admin, target, { userId: realOwner.userId!, role: 'maintainer' });
    });
  });
});
