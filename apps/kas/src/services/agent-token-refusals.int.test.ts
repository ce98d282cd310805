// A refused agent token, as the agent listener reports it: why, and — for a revoked token of an agent — a bounded
// line in that agent's activity (at most one a minute per token, the newest 20 kept), on a clock the test moves.
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { beforeAll, expect, it } from 'vitest';
import { CONNECT_REFUSED_INTERVAL_MS, CONNECT_REFUSED_KEPT } from './agent-token-refusals';
import { buildWorld, uniq, type World } from './testing/fixtures';

describeWithDatabases('refused agent tokens', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(database().db);
  });
  const newAgent = () =>
    w.services.agents.register(w.actors.maintainer, {
      projectId: w.projectId,
      name: uniq('a').toLowerCase(),
    });
  const refusals = async (agentId: number) =>
    (await w.services.agentActivity.list(w.actors.developer, agentId, { limit: 200 })).filter(
      (r) => r.kind === 'connect_refused',
    );

  it('tells malformed and unknown tokens apart and writes nothing for them', async () => {
    const agent = await newAgent();
    expect(await w.services.agentTokens.refused('not-a-token')).toBe('malformed');
    expect(await w.services.agentTokens.refused(`mgt-${'x'.repeat(50)}`)).toBe('unknown');
    expect(await refusals(agent.id)).toEqual([]);
  });

  it("records a revoked token's attempts on its agent: one a minute per token, the newest 20 kept", async () => {
    const agent = await newAgent();
    const { token, info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, {
      name: 'old',
    });
    await w.services.agentTokens.revoke(w.actors.maintainer, info.id);
    expect(await w.services.agentTokens.verify(token)).toBeNull();

    for (let i = 0; i < 5; i++) expect(await w.services.agentTokens.refused(token)).toBe('revoked');
    const [first, ...more] = await refusals(agent.id);
    expect(more).toEqual([]);
    expect(first).toMatchObject({
      kind: 'connect_refused',
      actorId: null,
      details: {
        reason: 'revoked',
        token: 'old',
        tokenId: info.id,
        fix: expect.stringMatching(/create a new token/),
      },
    });
    expect(JSON.stringify(first)).not.toContain(token.slice(4));

    w.clock.advance(CONNECT_REFUSED_INTERVAL_MS - 1);
    await w.services.agentTokens.refused(token);
    expect(await refusals(agent.id)).toHaveLength(1);
    w.clock.advance(1);
    await w.services.agentTokens.refused(token);
    expect(await refusals(agent.id)).toHaveLength(2);

    for (let i = 0; i < CONNECT_REFUSED_KEPT + 5; i++) {
      w.clock.advance(CONNECT_REFUSED_INTERVAL_MS);
      await w.services.agentTokens.refused(token);
    }
    const kept = await refusals(agent.id);
    expect(kept).toHaveLength(CONNECT_REFUSED_KEPT);
    // Newest first, and the other activity (the token's creation and revocation) stays.
    expect(kept[0]!.createdAt.getTime()).toBe(w.clock.now().getTime());
    const all = await w.services.agentActivity.list(w.actors.developer, agent.id, { limit: 200 });
    expect(all.map((r) => r.kind)).toEqual(expect.arrayContaining(['token_created', 'token_revoked']));
  });

  it("a revoked token's attempt reaches the live activity feed", async () => {
    const agent = await newAgent();
    const { token, info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, {
      name: 'live',
    });
    await w.services.agentTokens.revoke(w.actors.maintainer, info.id);
    const seen: string[] = [];
    const stop = w.services.events.activityRecorded.subscribe((row) => {
      if (row.agentId === agent.id) seen.push(row.kind);
    });
    try {
      await w.services.agentTokens.refused(token);
    } finally {
      stop();
    }
    expect(seen).toEqual(['connect_refused']);
  });
});
