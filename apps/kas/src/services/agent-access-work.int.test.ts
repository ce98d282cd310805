// The proxy's answer for an agent id must not tell whether that agent exists (security finding 14: 9.5 ms for a
// missing id against 33 ms for an existing one). Asserted by construction, not by timing: the access check runs
// the same number of queries for a missing agent, an agent without a config, one not shared with the caller and
// ones shared through one or many user_access entries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenedDatabase } from '@mooring/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, uniq, type World } from './testing/fixtures';

describe('agent access work per request', () => {
  let opened: OpenedDatabase;
  let dir: string;
  let w: World;
  let queries = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-access-work-'));
    opened = await openDatabase({ dataDir: dir, onQuery: () => queries++ });
    w = await buildWorld(opened.db);
  }, 120_000);
  afterAll(async () => {
    await opened?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const queriesOf = async (work: () => Promise<unknown>) => {
    const before = queries;
    await work();
    return queries - before;
  };

  it('is the same for missing, unshared and widely shared agents', async () => {
    const admin = w.admin;
    const groupPath = (await w.services.groups.get(admin, w.groupId)).fullPath;
    const others = [];
    for (let i = 0; i < 8; i++)
      others.push(
        await w.services.projects.create(admin, { groupId: w.groupId, name: `P${i}`, path: uniq('p') }),
      );
    const groups = [];
    for (let i = 0; i < 4; i++)
      groups.push(await w.services.groups.create(admin, { name: `G${i}`, path: uniq('g') }));
    const agentWith = async (yaml: string | null) => {
      const agent = await w.services.agents.register(w.actors.maintainer, {
        projectId: w.projectId,
        name: uniq('a').toLowerCase(),
      });
      if (yaml !== null) await w.services.agentConfigs.save(w.actors.maintainer, agent.id, yaml);
      return agent.id;
    };
    const noConfig = await agentWith(null);
    const onePath = await agentWith(
      `user_access:\n  access_as: {agent: {}}\n  projects:\n    - id: ${others[0]!.fullPath}\n`,
    );
    const manyPaths = await agentWith(
      'user_access:\n  access_as: {agent: {}}\n  projects:\n' +
        others.map((p) => `    - id: ${p.fullPath}\n`).join('') +
        '  groups:\n' +
        groups.map((g) => `    - id: ${g.fullPath}\n`).join('') +
        `    - id: ${groupPath}\n`,
    );
    const missing = manyPaths + 1_000_000;

    const outsider = { id: w.actors.outsider.userId!, username: w.actors.outsider.username, isAdmin: false };
    const developer = {
      id: w.actors.developer.userId!,
      username: w.actors.developer.username,
      isAdmin: false,
    };
    const check = (user: typeof outsider, agentId: number) =>
      w.services.agentAccess.forUser(user, agentId, 'personal_access_token');
    // What the proxy would answer: nothing for the outsider anywhere, the share for the developer of the group.
    for (const agentId of [missing, noConfig, onePath, manyPaths])
      expect(await check(outsider, agentId)).toBeNull();
    expect(await check(developer, missing)).toBeNull();
    expect(await check(developer, manyPaths)).toMatchObject({
      kind: 'user',
      projects: [
        { id: w.projectId, roles: ['developer'] },
        ...others.map((p) => ({ id: p.id, roles: ['developer'] })),
      ],
      groups: [{ id: w.groupId, roles: ['developer'] }],
    });

    const work = {
      'missing agent': await queriesOf(() => check(outsider, missing)),
      'agent without config': await queriesOf(() => check(outsider, noConfig)),
      'not shared, one entry': await queriesOf(() => check(outsider, onePath)),
      'not shared, 13 entries': await queriesOf(() => check(outsider, manyPaths)),
      'shared, 13 entries': await queriesOf(() => check(developer, manyPaths)),
      'missing agent, member': await queriesOf(() => check(developer, missing)),
    };
    console.log(`access check queries: ${JSON.stringify(work)}`);
    expect(new Set(Object.values(work)).size, JSON.stringify(work)).toBe(1);
    expect(work['missing agent']).toBeGreaterThan(0);
  });
});
