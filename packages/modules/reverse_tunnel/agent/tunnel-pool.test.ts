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

  it('opens the 2 idle tunnels it needs at start, not a scale-up step of 10 (each idle tunnel costs kas memory)', () => {
    const { pool, tunnels } = makePool();
    pool.start();
    expect(tunnels).toHaveLength(2);
    for (const t of tunnels) t.accept();
    expect(pool.stats()).toEqual({ connecting: 0, idle: 2, active: 0, total: 2 });
  });

  it('opens no tunnel for a call while enough stay idle, and takes it back once kas keeps the stream', () => {
    const { pool, tunnels } = makePool({ minIdle: 2, scaleUpStep: 10 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    for (const t of tunnels.slice(2)) t.accept();
    expect(tunnels).toHaveLength(12);
    tunnels[2]!.activate();
    expect(tunnels).toHaveLength(12);
    expect(pool.stats()).toMatchObject({ connecting: 0, idle: 10, active: 2 });
    tunnels[0]!.idleAgain();
    expect(pool.stats()).toMatchObject({ idle: 11, active: 1, total: 12 });
  });

  it('scales up by a step of 10 when a call leaves fewer than 2 idle', () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    expect(pool.stats()).toMatchObject({ connecting: 10, idle: 1, active: 1, total: 12 });
  });

  it('scales up by its step again when calls use up what the last step opened', () => {
    const { pool, tunnels } = makePool({ scaleUpStep: 3 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    tunnels[1]!.activate();
    expect(pool.stats()).toMatchObject({ connecting: 3, idle: 0, active: 2, total: 5 });
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

  it('retries after failures with only the tunnels it lacks', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.failWith(status.UNAVAILABLE);
    expect(pool.stats().total).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tunnels).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ connecting: 2, total: 2 });
  });

  it('at its maximum, refills only as calls finish', () => {
    const { pool, tunnels } = makePool({ maxTunnels: 3 });
    pool.start();
    expect(tunnels).toHaveLength(2);
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    expect(tunnels).toHaveLength(3);
    tunnels[2]!.accept();
    tunnels[1]!.activate();
    tunnels[2]!.activate();
    expect(tunnels).toHaveLength(3);
    tunnels[0]!.serve();
    expect(tunnels).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ connecting: 1, active: 2, total: 3 });
  });

  it('never exceeds maxTunnels', () => {
    const { pool, tunnels, live } = makePool({ maxTunnels: 4, scaleUpStep: 10 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    expect(tunnels).toHaveLength(4);
    for (const t of tunnels.slice(2)) t.accept();
    for (const t of tunnels.slice(1)) t.activate();
    expect(live()).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ active: 4, idle: 0, total: 4 });
    tunnels[0]!.serve();
    expect(pool.stats().total).toBeLessThanOrEqual(4);
  });

  it('closes idle tunnels above the minimum after 1 min, oldest first, and keeps 2', async () => {
    const { pool, tunnels } = makePool();
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.activate();
    for (const t of tunnels.slice(2)) t.accept();
    tunnels[0]!.idleAgain();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(pool.stats().idle).toBe(12);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pool.stats()).toMatchObject({ idle: 2, total: 2 });
    expect(tunnels.filter((t) => t.closeCalls > 0)).toHaveLength(10);
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
    const { pool, tunnels } = makePool({ minIdle: 2, scaleUpStep: 10 });
    pool.start();
    for (const t of tunnels) t.accept();
    tunnels[0]!.state = 'done';
    tunnels[0]!.events.ended({ kind: 'released' });
    // Only the one it lacks: kas releases every idle tunnel at its maximum age, and a step each would pile up.
    expect(tunnels).toHaveLength(3);
  });
});
