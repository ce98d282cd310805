import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TunnelEvents } from './agent-tunnel';
import { Backoff } from '../../shared/backoff';
import { TunnelPool, type TunnelPoolOptions } from './tunnel-pool';

/** A stand-in tunnel the test drives by hand (no kas involved: this tests the pool's state machine). */
class ScriptedTunnel {
  state: 'connecting' | 'idle' | 'active' | 'done' = 'connecting';
  closeCalls = 0;
  constructor(readonly events: TunnelEvents) {}
  accept() {
    this.state = 'idle';
    this.events.accepted();
  }
  activate() {
    this.state = 'active';
    this.events.activated();
  }
  idleAgain() {
    this.state = 'idle';
    this.events.idleAgain();
  }
  serve() {
    this.state = 'done';
    this.events.ended({ kind: 'served' });
  }
  failWith(code: status) {
    this.state = 'done';
    const error = Object.assign(new Error('x'), { code, details: 'x' }) as ServiceError;
    this.events.ended({ kind: 'failed', error });
  }
  close() {
    this.closeCalls++;
    if (this.state === 'active' || this.state === 'done') return false;
    this.state = 'done';
    queueMicrotask(() => this.events.ended({ kind: 'closed' }));
    return true;
  }
}

function makePool(overrides: Partial<TunnelPoolOptions> = {}) {
  const tunnels: ScriptedTunnel[] = [];
  const pool = new TunnelPool({
    openTunnel: (events) => {
      const t = new ScriptedTunnel(events);
      tunnels.push(t);
      return t;
    },
    backoff: new Backoff({ jitter: 0 }),
    ...overrides,
  });
  const live = () => tunnels.filter((t) => t.state !== 'done');
  return { pool, tunnels, live };
}

describe('TunnelPool', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens 10 tunnels at start (idle < 2) and no more while 2 are idle or connecting', () => {
    const { pool, tunnels } = makePool();
    pool.start();
    expect(tunnels).toHaveLength(10);
    for (const t of tunnels) t.accept();
    expect(pool.stats()).toEqual({ connecting: 0, idle: 10, active: 0, total: 10 });
  });

  it('opens no tunnel for a call while enough stay idle, and takes it back once kas keeps the stream', () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    expect(tunnels).toHaveLength(10);
    expect(pool.stats()).toMatchObject({ connecting: 0, idle: 9, active: 1 });
    tunnels[0]!.idleAgain();
    expect(pool.stats()).toMatchObject({ idle: 10, active: 0, total: 10 });
  });

  it('scales up when calls leave fewer than 2 idle', () => {
    const { pool, tunnels } = makePool({ scaleUpStep: 3 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    tunnels[1]!.activate();
    expect(pool.stats()).toMatchObject({ connecting: 3, idle: 1, active: 2, total: 6 });
  });

  it('closes a tunnel whose call ended while the pool stops', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    const stopped = pool.stop(60_000);
    tunnels[0]!.idleAgain();
    await stopped;
    expect(tunnels[0]!.closeCalls).toBe(1);
    expect(pool.stats().total).toBe(0);
  });

  it('scales up by 10 when fewer than 2 are idle or connecting', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.failWith(status.UNAVAILABLE);
    expect(pool.stats().total).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tunnels).toHaveLength(20);
    expect(pool.stats()).toMatchObject({ connecting: 10, total: 10 });
  });

  it('at its maximum, refills only as calls finish', () => {
    const { pool, tunnels } = makePool({ maxTunnels: 3 });
    pool.start();
    expect(tunnels).toHaveLength(3);
    for (const t of tunnels) t.accept();
    for (const t of [...tunnels]) t.activate();
    expect(tunnels).toHaveLength(3);
    tunnels[0]!.serve();
    expect(tunnels).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ connecting: 1, active: 2, total: 3 });
  });

  it('never exceeds maxTunnels', () => {
    const { pool, tunnels, live } = makePool({ maxTunnels: 4, scaleUpStep: 10 });
    pool.start();
    expect(tunnels).toHaveLength(4);
    for (const t of tunnels) t.accept();
    for (const t of [...tunnels]) t.activate();
    expect(live()).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ active: 4, idle: 0, total: 4 });
    tunnels[0]!.serve();
    expect(pool.stats().total).toBeLessThanOrEqual(4);
  });

  it('closes idle tunnels above the minimum after 1 min, oldest first, and keeps 2', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(pool.stats().idle).toBe(10);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pool.stats()).toMatchObject({ idle: 2, total: 2 });
    expect(tunnels.filter((t) => t.closeCalls > 0)).toHaveLength(8);
  });

  it('a shrink never cancels a call that started', async () => {
    const { pool, tunnels } = makePool({ minIdle: 1, scaleUpStep: 2 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    const stopping = pool.stop(50);
    await vi.advanceTimersByTimeAsync(60_000);
    await stopping;
    expect(tunnels[0]!.state).toBe('active');
    expect(tunnels[0]!.closeCalls).toBe(0);
    expect(tunnels.filter((t) => t !== tunnels[0]).every((t) => t.state === 'done')).toBe(true);
  });

  it('stop() waits for calls in flight, then resolves', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    let stopped = false;
    const stopping = pool.stop(30_000).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    expect(tunnels.filter((t) => t.state === 'done')).toHaveLength(tunnels.length - 1);
    tunnels[0]!.serve();
    await stopping;
    expect(stopped).toBe(true);
    expect(pool.stats().total).toBe(0);
  });

  it('backs off after failures (1 s, then 1.6 s) and opens again after the delay', async () => {
    const { pool, tunnels } = makePool({ scaleUpStep: 2 });
    pool.start();
    expect(tunnels).toHaveLength(2);
    tunnels[0]!.failWith(status.UNAUTHENTICATED);
    tunnels[1]!.failWith(status.UNAUTHENTICATED);
    expect(tunnels).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(tunnels).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(tunnels).toHaveLength(4);
    tunnels[2]!.failWith(status.UNAVAILABLE);
    tunnels[3]!.failWith(status.UNAVAILABLE);
    await vi.advanceTimersByTimeAsync(1599);
    expect(tunnels).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(tunnels).toHaveLength(6);
  });

  it('re-opens at once after kas releases an idle tunnel', () => {
    const { pool, tunnels } = makePool({ minIdle: 2, scaleUpStep: 2 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.state = 'done';
    tunnels[0]!.events.ended({ kind: 'released' });
    expect(tunnels).toHaveLength(4);
  });
});
