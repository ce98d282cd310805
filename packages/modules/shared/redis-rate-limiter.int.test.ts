// The shared rate limit on a real Redis: two replicas' limiters (two connections) draw from one budget per key and
// window (an injected clock picks the window); with Redis gone each falls back to its own window and never throws.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisConnection, type RedisConnection } from './redis-connection';
import { redisRateLimiter } from './redis-rate-limiter';
import { startTestRedis, type TestRedis } from './testing/redis';
import { until } from './testing/until';

describe('the Redis rate limiter', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  let clock = 60_000 * 1_000;

  const connect = async () => {
    const c = openRedisConnection({
      url: redis.url,
      keyPrefix: redis.keyPrefix,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    connections.push(c);
    await until('Redis to accept the connection', () => c.ready());
    return c;
  };

  beforeAll(async () => {
    redis = await startTestRedis({ own: true });
  });
  afterAll(async () => {
    for (const c of connections) await c.close();
    await redis?.stop();
  });

  it('shares one budget per key across replicas, per clock-aligned window', async () => {
    const [a, b] = [await connect(), await connect()];
    const onA = redisRateLimiter({ redis: a, limit: 5, now: () => clock });
    const onB = redisRateLimiter({ redis: b, limit: 5, now: () => clock });
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await onA.take('token-1'), await onB.take('token-1'));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    expect(decisions[5]).toEqual({ allowed: false, retryAfterSeconds: 60 });
    // Another key has its own budget.
    expect(await onB.take('token-2')).toEqual({ allowed: true });
    clock += 45_000;
    expect(await onA.take('token-1')).toEqual({ allowed: false, retryAfterSeconds: 15 });
    // The next window.
    clock += 15_000;
    expect(await onB.take('token-1')).toEqual({ allowed: true });
  });

  it('falls back to the replica’s own window while Redis is away, and shares again once it is back', async () => {
    const a = await connect();
    const onA = redisRateLimiter({ redis: a, limit: 2, now: () => clock });
    await redis.kill();
    await until('the connection to notice Redis is gone', () => !a.ready());
    const away = [await onA.take('token-3'), await onA.take('token-3'), await onA.take('token-3')];
    expect(away.map((d) => d.allowed)).toEqual([true, true, false]);
    await redis.start();
    await until('the connection to come back', () => a.ready());
    const b = await connect();
    const onB = redisRateLimiter({ redis: b, limit: 2, now: () => clock });
    expect(await onA.take('token-4')).toEqual({ allowed: true });
    expect(await onB.take('token-4')).toEqual({ allowed: true });
    expect((await onA.take('token-4')).allowed).toBe(false);
  });
});
