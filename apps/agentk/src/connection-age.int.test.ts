// Max connection age: kas sends GOAWAY (at 20 % of the age) and ends idle tunnels (at 30 %) while a long streaming
// call keeps running on the old connection until it finishes; new calls go through the reconnected tunnels.
import { afterAll, describe, expect, it } from 'vitest';
import type { Agentk } from './agentk';
import { roundTrip, startTestAgentk, startTestKas, TICKS, type TestKas } from './testing/test-support';

let kas: TestKas | null = null;
let agentk: Agentk | null = null;
afterAll(async () => {
  await agentk?.stop(2_000);
  await kas?.server.stop(2_000);
});

describe('max connection age 5 s', () => {
  it('does not cut a long streaming call, and new calls use fresh connections', async () => {
    kas = await startTestKas(
      { 'mgt-age': { agentId: 11, tokenId: 110, projectId: 1 } },
      { maxConnectionAge: { ageMs: 5_000, graceMs: 60_000 }, limits: { routingTimeoutMs: 10_000 } },
    );
    agentk = await startTestAgentk(kas, 'mgt-age', 'pod-age');
    await agentk.registered;

    // 60 ticks × 150 ms = 9 s: the connection carrying it ages out several times over (GOAWAY at ~1 s).
    const long = await kas.server.dialer.openCall(11, TICKS, {
      signal: AbortSignal.timeout(60_000),
      meta: { count: ['60'], 'interval-ms': ['150'] },
    });
    const peers = new Set<string>();
    const sample = setInterval(() => {
      for (const t of kas!.server.registry.allTunnels()) peers.add(t.stream.getPeer());
    }, 100);
    const received: string[] = [];
    const reading = (async () => {
      for await (const m of long.messages) received.push(Buffer.from(m).toString());
    })();
    const shortCalls: string[][] = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      shortCalls.push((await roundTrip(kas, 11, [`call-${i}`])).messages);
    }
    await reading;
    clearInterval(sample);
    expect(received).toEqual(Array.from({ length: 60 }, (_, i) => `tick-${i}`));
    expect(await long.trailer).toEqual({});
    expect(shortCalls).toEqual([['CALL-0'], ['CALL-1'], ['CALL-2'], ['CALL-3']]);
    // agentk reconnected: tunnels were seen on more than one connection (client port).
    expect(peers.size).toBeGreaterThan(1);
  }, 60_000);
});
