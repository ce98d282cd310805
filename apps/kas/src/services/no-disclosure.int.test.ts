// Answers that must not tell a caller what exists beyond their reach: revoking someone else's token
// reads exactly like revoking a missing one, and adding a member by id reveals no username.
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { beforeAll, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError } from './errors';
import { buildWorld, uniq, type World } from './testing/fixtures';

const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: unknown) => ({ name: (err as Error).name, message: (err as Error).message }),
  );

describeWithDatabases('no disclosure', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    // Disclosure, not group creation, is under test: users found their own top-level groups here.
    w = await buildWorld(database().db, { usersCanCreateGroups: true });
  });

  it('answers the same for a missing agent token and one of an agent the caller cannot see', async () => {
    const agent = await w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('a').toLowerCase(),
    });
    const { info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, { name: 't' });
    // The outsider owns a group, project and agent of their own to name in the request.
    const mine = await w.services.groups.create(w.actors.outsider, { name: 'Own', path: uniq('own') });
    const project = await w.services.projects.create(w.actors.outsider, {
      groupId: mine.id,
      name: 'P',
      path: 'p',
    });
    const own = await w.services.agents.register(w.actors.outsider, { projectId: project.id, name: 'own' });
    const missing = info.id + 1_000_000;
    for (const agentId of [undefined, own.id]) {
      const existing = await failure(w.services.agentTokens.revoke(w.actors.outsider, info.id, agentId));
      const absent = await failure(w.services.agentTokens.revoke(w.actors.outsider, missing, agentId));
      expect(existing).toMatchObject({ name: 'NotFoundError' });
      // The parent said "agent <id> not found" for an existing token (naming its agent) and
      // "agent token <id> not found" for a missing one.
      expect(existing).toEqual({
        ...(absent as object),
        message: (absent as { message: string }).message.replace(String(missing), String(info.id)),
      });
      expect((existing as { message: string }).message).not.toMatch(new RegExp(`\\bagent ${agent.id}\\b`));
      expect((existing as { message: string }).message).not.toContain(agent.name);
    }
    // Naming the token's real agent without access: the agent's own 404, as for any agent.
    await expect(w.services.agentTokens.revoke(w.actors.outsider, info.id, agent.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const stillActive = await w.services.agentTokens.list(w.actors.developer, agent.id);
    expect(stillActive[0]!.status).toBe('active');
  });

  it('answers the same for a missing personal access token and another user’s', async () => {
    const { info } = await w.services.personalAccessTokens.create(w.actors.developer, {
      name: 'mine',
      scopes: ['read_api'],
    });
    const other = await failure(w.services.personalAccessTokens.revoke(w.actors.outsider, info.id));
    const missing = await failure(
      w.services.personalAccessTokens.revoke(w.actors.outsider, info.id + 1_000_000),
    );
    expect(other).toMatchObject({ name: 'NotFoundError' });
    expect(other).toEqual({
      ...(missing as object),
      message: (missing as { message: string }).message.replace(String(info.id + 1_000_000), String(info.id)),
    });
  });

  it('adds members by username unless an administrator adds by id; ids alone reveal no one', async () => {
    const g = await w.services.groups.create(w.actors.outsider, { name: 'Enum', path: uniq('enum') });
    const target = { type: 'group' as const, id: g.id };
    const victim = w.actors.reporter;
    // The parent added any id and answered the member list with the username: enumeration.
    const byId = await failure(
      w.services.memberships.set(w.actors.outsider, target, { userId: victim.userId!, role: 'guest' }),
    );
    const byMissingId = await failure(
      w.services.memberships.set(w.actors.outsider, target, { userId: 9_999_999, role: 'guest' }),
    );
    expect(byId).toMatchObject({ name: 'ValidationError' });
    expect(byId).toEqual(byMissingId);
    expect(JSON.stringify(byId)).not.toContain(victim.username);
    // A wrong username for an existing id reads like a missing user.
    const wrongName = await failure(
      w.services.memberships.set(w.actors.outsider, target, {
        userId: victim.userId!,
        username: 'nobody',
        role: 'guest',
      }),
    );
    const missingUser = await failure(
      w.services.memberships.set(w.actors.outsider, target, {
        userId: 9_999_999,
        username: 'nobody',
        role: 'guest',
      }),
    );
    expect(wrongName).toMatchObject({ name: 'NotFoundError' });
    expect(wrongName).toEqual({
      ...(missingUser as object),
      message: (missingUser as { message: string }).message.replace('9999999', String(victim.userId)),
    });
    // Knowing the username adds them; then their role changes by id (they are listed here).
    await w.services.memberships.set(w.actors.outsider, target, {
      userId: victim.userId!,
      username: victim.username,
      role: 'guest',
    });
    const members = await w.services.memberships.set(w.actors.outsider, target, {
      userId: victim.userId!,
      role: 'reporter',
    });
    expect(members.find((m) => m.userId === victim.userId)?.directRole).toBe('reporter');
    // Administrators add by id alone.
    await w.services.memberships.set(w.admin, target, { userId: w.actors.guest.userId!, role: 'guest' });
    await expect(
      w.services.memberships.set(w.actors.guest, target, { userId: w.actors.owner.userId!, role: 'guest' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('lets an Owner add by username alone, and tells only those who may manage members whether a name exists', async () => {
    const g = await w.services.groups.create(w.actors.outsider, { name: 'ByName', path: uniq('byname') });
    const target = { type: 'group' as const, id: g.id };
    const added = await w.services.memberships.add(w.actors.outsider, target, {
      username: w.actors.developer.username,
      role: 'developer',
    });
    expect(added.find((m) => m.username === w.actors.developer.username)?.directRole).toBe('developer');
    await expect(
      w.services.memberships.add(w.actors.outsider, target, { username: 'no-such-user', role: 'guest' }),
    ).rejects.toThrow(/there is no user "no-such-user"; check the spelling, or ask an administrator/);
    // A member who may not manage members learns nothing about names: the same refusal for a real and a made-up one.
    const real = await failure(
      w.services.memberships.add(w.actors.developer, target, {
        username: w.actors.reporter.username,
        role: 'guest',
      }),
    );
    const madeUp = await failure(
      w.services.memberships.add(w.actors.developer, target, { username: 'no-such-user', role: 'guest' }),
    );
    expect(real).toMatchObject({ name: 'ForbiddenError' });
    expect(real).toEqual(madeUp);
  });
});
