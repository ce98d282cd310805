import { describe, expect, it } from 'vitest';
import {
  type RegistryTunnel,
  TunnelRegistry,
  TunnelWaitAbortedError,
  TunnelWaitTimeoutError,
} from './registry';

const METHOD = '/mooring.kubernetes_api.KubernetesApi/MakeRequest';

function tunnel(
  agentId: number,
  opts: { podId?: number; tokenId?: number; methods?: string[] } = {},
): RegistryTunnel & {
  closed: string | null;
} {
  const methods = new Set(opts.methods ?? [METHOD]);
  return {
    agentId,
    tokenId: opts.tokenId ?? 1,
    podId: opts.podId ?? 1,
    closed: null,
    serves: (m) => methods.has(m),
    close(reason) {
      this.closed = reason;
    },
  };
}

function registry(limit = 500) {
  return new TunnelRegistry<ReturnType<typeof tunnel>>({ streamLimit: () => limit, stripeCount: 4 });
}

function add(r: ReturnType<typeof registry>, t: ReturnType<typeof tunnel>) {
  expect(r.reserve(t.agentId)).toBe(true);
  r.register(t);
}

describe('TunnelRegistry', () => {
  it('hands out an idle tunnel of the right agent and method, then counts it active', async () => {
    const r = registry();
    const a = tunnel(1);
    const b = tunnel(5); // same stripe as agent 1 with 4 stripes
    const other = tunnel(1, { methods: ['/x.Y/Z'] });
    add(r, a);
    add(r, b);
    add(r, other);
    const taken = await r.take(1, METHOD, { signal: new AbortController().signal, timeoutMs: 100 });
    expect(taken).toBe(a);
    expect(r.counts(1)).toMatchObject({ idle: 1, active: 1 });
    expect(r.counts(5)).toMatchObject({ idle: 1, active: 0 });
    r.unregister(a);
    expect(r.counts(1)).toMatchObject({ idle: 1, active: 0 });
  });

  it('a released tunnel goes to a waiting caller, else back to idle; a tunnel no longer held is refused', async () => {
    const r = registry();
    const t = tunnel(3);
    add(r, t);
    const signal = new AbortController().signal;
    expect(await r.take(3, METHOD, { signal, timeoutMs: 100 })).toBe(t);
    const waiting = r.take(3, METHOD, { signal, timeoutMs: 1000 });
    expect(r.release(t)).toBe(true);
    expect(await waiting).toBe(t);
    expect(r.counts(3)).toMatchObject({ idle: 0, active: 1, waiting: 0 });
    expect(r.release(t)).toBe(true);
    expect(r.counts(3)).toMatchObject({ idle: 1, active: 0 });
    expect(await r.take(3, METHOD, { signal, timeoutMs: 100 })).toBe(t);
    r.unregister(t);
    expect(r.release(t)).toBe(false);
    expect(r.counts(3)).toMatchObject({ idle: 0, active: 0 });
  });

  it('a waiting caller gets the next tunnel that registers', async () => {
    const r = registry();
    const waiting = r.take(7, METHOD, { signal: new AbortController().signal, timeoutMs: 1000 });
    expect(r.counts(7).waiting).toBe(1);
    const t = tunnel(7);
    add(r, t);
    await expect(waiting).resolves.toBe(t);
    expect(r.counts(7)).toMatchObject({ idle: 0, active: 1, waiting: 0 });
  });

  it('times out with TunnelWaitTimeoutError and forgets the waiter', async () => {
    const r = registry();
    await expect(
      r.take(9, METHOD, { signal: new AbortController().signal, timeoutMs: 20 }),
    ).rejects.toBeInstanceOf(TunnelWaitTimeoutError);
    expect(r.counts(9).waiting).toBe(0);
  });

  it('stops waiting when the caller aborts', async () => {
    const r = registry();
    const abort = new AbortController();
    const waiting = r.take(9, METHOD, { signal: abort.signal, timeoutMs: 10_000 });
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(TunnelWaitAbortedError);
    expect(r.counts(9).waiting).toBe(0);
  });

  it('enforces the per-agent stream limit over idle, active and pending streams', async () => {
    const r = registry(3);
    add(r, tunnel(2));
    add(r, tunnel(2));
    expect(r.reserve(2)).toBe(true); // pending
    expect(r.reserve(2)).toBe(false);
    expect(r.reserve(3)).toBe(true); // other agents are not affected
    r.unreserve(2);
    expect(r.reserve(2)).toBe(true);
  });

  it('spreads calls over the idle tunnels of several pods', async () => {
    const r = registry();
    const pods = new Set<number>();
    for (let round = 0; round < 40; round++) {
      add(r, tunnel(4, { podId: 1 }));
      add(r, tunnel(4, { podId: 2 }));
      const t = await r.take(4, METHOD, { signal: new AbortController().signal, timeoutMs: 10 });
      pods.add(t.podId);
      r.unregister(t);
    }
    expect(pods).toEqual(new Set([1, 2]));
  });

  it('chooses the pod first, so a pod with one idle tunnel gets half the calls of a pod with ten', async () => {
    // An injected random walks [0, 1) evenly: half the draws land on each pod, whatever their idle counts.
    let draw = 0;
    const r = new TunnelRegistry<ReturnType<typeof tunnel>>({
      streamLimit: () => 50,
      random: () => (draw++ * 0.37) % 1,
    });
    for (let i = 0; i < 10; i++) add(r, tunnel(4, { podId: 1 }));
    add(r, tunnel(4, { podId: 2 }));
    const served = { 1: 0, 2: 0 } as Record<number, number>;
    for (let i = 0; i < 100; i++) {
      const t = await r.take(4, METHOD, { signal: new AbortController().signal, timeoutMs: 10 });
      served[t.podId]!++;
      expect(r.release(t)).toBe(true);
    }
    expect(served[1]).toBeGreaterThanOrEqual(40);
    expect(served[2]).toBeGreaterThanOrEqual(40);
  });

  it('reports per-pod counts to listeners and finds tunnels by token', async () => {
    const r = registry();
    const events: string[] = [];
    r.onPodTunnelsChanged((agentId, podId, c) => events.push(`${agentId}/${podId}:${c.idle}+${c.active}`));
    const a = tunnel(1, { podId: 10, tokenId: 100 });
    const b = tunnel(1, { podId: 11, tokenId: 101 });
    add(r, a);
    add(r, b);
    await r.take(1, METHOD, { signal: new AbortController().signal, timeoutMs: 10 });
    expect(r.tunnelsOfToken(100)).toHaveLength(1);
    expect(r.tunnelsOfToken(101)).toHaveLength(1);
    r.unregister(a);
    r.unregister(b);
    expect(events.slice(0, 2)).toEqual(['1/10:1+0', '1/11:1+0']);
    expect(events.slice(-2)).toEqual(['1/10:0+0', '1/11:0+0']);
  });

  it('knows when a connected agent serves a method nowhere (not even on busy tunnels)', async () => {
    const r = registry();
    expect(r.connectedWithoutMethod(1, METHOD)).toBe(false); // not connected at all: wait for it instead
    add(r, tunnel(1, { methods: ['/x.Y/Z'] }));
    expect(r.connectedWithoutMethod(1, METHOD)).toBe(true);
    const serving = tunnel(1);
    add(r, serving);
    await r.take(1, METHOD, { signal: new AbortController().signal, timeoutMs: 10 });
    expect(r.connectedWithoutMethod(1, METHOD)).toBe(false); // a pod that serves it is busy: wait for it
  });

  it('remembers when an agent was last seen after its tunnels are gone', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const r = new TunnelRegistry<ReturnType<typeof tunnel>>({ streamLimit: () => 10, now: () => now });
    expect(r.lastSeen(3)).toBeNull();
    const t = tunnel(3);
    add(r, t);
    now = new Date('2026-01-01T00:05:00Z');
    r.unregister(t);
    now = new Date('2026-01-01T01:00:00Z');
    expect(r.lastSeen(3)?.toISOString()).toBe('2026-01-01T00:05:00.000Z');
  });
});
