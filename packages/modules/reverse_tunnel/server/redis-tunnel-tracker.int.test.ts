// The Redis tunnel tracker on a real Redis, two replicas' trackers side by side, one injected clock (the expiry
// scores are this clock's; Redis's own key TTLs are long enough here not to interfere).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRedisConnection, type RedisConnection } from '../../shared/redis-connection';
import { startTestRedis, type TestRedis } from '../../shared/testing/redis';
import { until } from '../../shared/testing/until';
import { redisTunnelTracker, type RedisTunnelTracker } from './redis-tunnel-tracker';

const TTL = 30_000;

describe('the Redis tunnel tracker', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const trackers: RedisTunnelTracker[] = [];
  let clock = 1_000_000;

  const connect = async (server: TestRedis = redis) => {
    const c = openRedisConnection({
      url: server.url,
      keyPrefix: server.keyPrefix,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    connections.push(c);
    await until('Redis to accept the connection', () => c.ready());
    return c;
  };
  const tracker = (conn: RedisConnection, self: string, extra: { batchSize?: number } = {}) => {
    const t = redisTunnelTracker({
      redis: conn,
      self,
      ttlMs: TTL,
      now: () => clock,
      manualTicks: true,
      random: () => 0,
      ...extra,
    });
    trackers.push(t);
    return t;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    for (const t of trackers.splice(0)) await t.stop();
    for (const c of connections.splice(0)) await c.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('answers which replicas hold an agent, and forgets a replica that stopped refreshing after the TTL', async () => {
    const [connA, connB] = [await connect(), await connect()];
    const a = tracker(connA, 'kas-a');
    const b = tracker(connB, 'kas-b');
    a.register(1);
    b.register(1);
    a.register(2);
    await Promise.all([a.tick(), b.tick()]);
    expect(await b.kasUrlsFor(1)).toEqual(['kas-a', 'kas-b']);
    expect(await b.kasUrlsFor(2)).toEqual(['kas-a']);
    expect(await b.kasUrlsFor(3)).toEqual([]);
    expect(await b.liveReplicas()).toEqual(['kas-a', 'kas-b']);

    // A keeps refreshing for two periods, then stops (as if killed); B goes on.
    for (const step of [10_000, 10_000]) {
      clock += step;
      await Promise.all([a.tick(), b.tick()]);
    }
    expect(await b.kasUrlsFor(2)).toEqual(['kas-a']);
    clock += TTL - 1;
    await b.tick();
    expect(await b.kasUrlsFor(2)).toEqual(['kas-a']);
    clock += 1;
    await b.tick();
    expect(await b.kasUrlsFor(2)).toEqual([]);
    expect(await b.kasUrlsFor(1)).toEqual(['kas-b']);
    expect(await b.liveReplicas()).toEqual(['kas-b']);
  });

  it('unregister removes the entry with the next tick; stop removes every entry of the replica', async () => {
    const [connA, connB] = [await connect(), await connect()];
    const a = tracker(connA, 'kas-a');
    const b = tracker(connB, 'kas-b');
    a.register(10);
    a.register(11);
    await a.tick();
    a.unregister(10);
    await a.tick();
    expect(await b.kasUrlsFor(10)).toEqual([]);
    expect(await b.kasUrlsFor(11)).toEqual(['kas-a']);
    await a.stop();
    expect(await b.kasUrlsFor(11)).toEqual([]);
    expect(await b.liveReplicas()).toEqual(['kas-b']);
  });

  it('writes many agents in bounded pipelines, spread over ticks', async () => {
    const [connA, connB] = [await connect(), await connect()];
    const a = tracker(connA, 'kas-a', { batchSize: 100 });
    const b = tracker(connB, 'kas-b');
    for (let id = 1000; id < 3000; id++) a.register(id);
    // 10 batches of 100 per tick at most: two ticks for 2,000 agents.
    await a.tick();
    expect(await b.kasUrlsFor(1999)).toEqual(['kas-a']);
    expect(await b.kasUrlsFor(2000)).toEqual([]);
    await a.tick();
    expect(await b.kasUrlsFor(2999)).toEqual(['kas-a']);
  });

  it('survives Redis going away and writes its entries again when it returns', async () => {
    const own = await startTestRedis({ own: true });
    try {
      const [connA, connB] = [await connect(own), await connect(own)];
      const a = tracker(connA, 'kas-a');
      const b = tracker(connB, 'kas-b');
      a.register(1);
      await a.tick();
      await own.kill();
      await until('the connection to notice Redis is gone', () => !connA.ready());
      a.register(2);
      await a.tick();
      await expect(b.kasUrlsFor(1)).rejects.toThrow();
      expect(a.holds(2)).toBe(true);
      await expect(connA.check()).rejects.toThrow(/is not reachable/);

      // The restarted Redis is empty (no persistence): both entries come back from A's memory.
      await own.start();
      await until('both connections to reconnect', () => connA.ready() && connB.ready());
      await a.tick();
      expect(await b.kasUrlsFor(1)).toEqual(['kas-a']);
      expect(await b.kasUrlsFor(2)).toEqual(['kas-a']);
    } finally {
      for (const t of trackers.splice(0)) await t.stop();
      for (const c of connections.splice(0)) await c.close();
      await own.stop();
    }
  });
});
