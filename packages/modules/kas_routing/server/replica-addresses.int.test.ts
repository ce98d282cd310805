// Where each replica's private API is, on a real Redis: a replica's address is there as soon as its Redis
// connection is ready and again right after a Redis without persistence came back (the refresh is set far away here,
// so only those writes can put it there), and a gateway that asked before a replica wrote its address asks again
// soon instead of caching the miss for a whole refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisConnection, type RedisConnection } from '../../shared/redis-connection';
import { startTestRedis, type TestRedis } from '../../shared/testing/redis';
import { until } from '../../shared/testing/until';
import { type ReplicaAddresses, redisReplicaAddresses } from './replica-addresses';

const FAR = 10 * 60_000;

describe('replica addresses in Redis', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const addresses: ReplicaAddresses[] = [];
  let clock = 1_000_000;

  const connect = () => {
    const c = openRedisConnection({
      url: redis.url,
      keyPrefix: redis.keyPrefix,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    connections.push(c);
    return c;
  };
  const replica = (conn: RedisConnection, self: string) => {
    const a = redisReplicaAddresses({
      redis: conn,
      self,
      url: `grpc://${self}:8155`,
      refreshMs: FAR,
      now: () => clock,
    });
    addresses.push(a);
    return a;
  };
  const stored = (conn: RedisConnection, self: string) =>
    conn.client.hget(`${redis.keyPrefix}kas:private-api-urls`, self);

  beforeAll(async () => {
    redis = await startTestRedis({ own: true });
  });

  afterAll(async () => {
    for (const a of addresses) await a.stop();
    for (const c of connections) await c.close();
    await redis?.stop();
  });

  it('writes the address once the connection is ready and again after Redis restarted empty', async () => {
    const conn = connect();
    // Made before the connection is ready, as kas does at start.
    expect(conn.ready()).toBe(false);
    replica(conn, 'kas-b');
    const started = performance.now();
    expect(await until('kas-b to write its address', () => stored(conn, 'kas-b'), 10_000)).toBe(
      'grpc://kas-b:8155',
    );
    console.log(`address written ${Math.round(performance.now() - started)} ms after start`);

    await redis.kill();
    await until('the connection to notice Redis is gone', () => !conn.ready(), 10_000);
    await redis.start();
    expect(await until('kas-b to write its address again', () => stored(conn, 'kas-b'), 10_000)).toBe(
      'grpc://kas-b:8155',
    );
  });

  it('asks again soon for a replica that had no address yet', async () => {
    const gatewayConn = connect();
    await until('Redis to accept the connection', () => gatewayConn.ready());
    const gateway = replica(gatewayConn, 'kas-a');
    expect(await gateway.urlsOf(['kas-c'])).toEqual([]);
    const c = replica(connect(), 'kas-c');
    await until('kas-c to write its address', () => stored(gatewayConn, 'kas-c'), 10_000);
    // The miss is still cached for a moment, then asked again (long before a refresh).
    expect(await gateway.urlsOf(['kas-c'])).toEqual([]);
    clock += 600;
    expect(await gateway.urlsOf(['kas-c'])).toEqual(['grpc://kas-c:8155']);
    // A stopped replica removes its address.
    await c.stop();
    expect(await stored(gatewayConn, 'kas-c')).toBeNull();
  });
});
