import { describeWithDatabases } from '@mooring/db/testing/backends';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentConfigRejectedError } from './agent-configs';
import { buildWorld, uniq, type World } from './testing/fixtures';

const valid = (n: number) => `object_watch:\n  resources: [pods, r${n}]\n`;
const rejected = (n: number) => `object_watch:\n  resourcez: [r${n}]\n`;

describeWithDatabases('agent configuration versions', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(database().db, { configVersionsKept: 5 });
  });
  afterAll(() => w.services.close());

  it('keeps the newest versions per agent and always the live one', async () => {
    const agent = await w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('v').toLowerCase(),
    });
    const other = await w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('v').toLowerCase(),
    });
    await w.services.agentConfigs.save(w.actors.maintainer, other.id, valid(0));
    await w.services.agentConfigs.save(w.actors.maintainer, agent.id, valid(1));
    // Rejected saves used to be stored without bound (the parent kept all 21 rows).
    for (let i = 2; i <= 21; i++) {
      const err = await w.services.agentConfigs
        .save(w.actors.maintainer, agent.id, rejected(i))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentConfigRejectedError);
    }
    const versions = async (agentId: number) =>
      (await w.services.agentConfigs.history(w.actors.developer, agentId)).map((h) => [h.version, h.valid]);
    expect(await versions(agent.id)).toEqual([
      [21, false],
      [20, false],
      [19, false],
      [18, false],
      [17, false],
      [1, true],
    ]);
    expect((await w.services.agentConfigs.getLive(w.actors.developer, agent.id))?.version).toBe(1);

    // A valid save makes the old live version ordinary history: out with the rest.
    await w.services.agentConfigs.save(w.actors.maintainer, agent.id, valid(22));
    expect(await versions(agent.id)).toEqual([
      [22, true],
      [21, false],
      [20, false],
      [19, false],
      [18, false],
    ]);
    // Another agent's history is untouched.
    expect(await versions(other.id)).toEqual([[1, true]]);
  });

  it('diffs two versions that share nothing with bounded work', async () => {
    const agent = await w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('d').toLowerCase(),
    });
    // Two 6,000-line versions: the unbounded search took +1.1 GiB and 9.4 s; now it stops at its
    // bounds and answers the middle removed and added whole.
    const lines = (prefix: string) => Array.from({ length: 6_000 }, (_, i) => `# ${prefix}${i}`).join('\n');
    await w.services.agentConfigs.save(w.actors.maintainer, agent.id, lines('a'));
    await w.services.agentConfigs.save(w.actors.maintainer, agent.id, lines('b'));
    const diff = await w.services.agentConfigs.diff(w.actors.developer, agent.id, 1, 2);
    expect(diff.exact).toBe(false);
    expect(diff.lines.filter((l) => l.op === '-')).toHaveLength(6_000);
    expect(diff.lines.filter((l) => l.op === '+')).toHaveLength(6_000);
  });
});
