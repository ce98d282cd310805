// Where each replica's private API is: the tunnel tracker names replicas (the name in connection rows), and a
// gateway needs their private API URLs. Each replica writes its own into one Redis hash at start and again every
// few seconds (a restarted Redis without persistence forgets it; the next write puts it back), and removes it when
// it stops. A stale entry of a dead replica is harmless: the tracker no longer names that replica once its entries
// expired. Reads are cached for a few seconds, bounded by the number of replicas.
import type { RedisConnection } from '../../shared/redis-connection';

export interface ReplicaAddresses {
  /** Private API URLs of the named replicas (unknown names are left out). */
  urlsOf(replicas: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

export interface ReplicaAddressOptions {
  redis: RedisConnection;
  self: string;
  url: string;
  /** How often this replica writes its URL again; also how long reads are cached. Default 5 s. */
  refreshMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** More replicas than this in one installation is a misconfiguration; the cache never grows past it. */
const MAX_REPLICAS = 1000;

export function redisReplicaAddresses(o: ReplicaAddressOptions): ReplicaAddresses {
  const key = `${o.redis.keyPrefix}kas:private-api-urls`;
  const refreshMs = o.refreshMs ?? 5_000;
  const now = o.now ?? Date.now;
  const cache = new Map<string, { url: string | null; at: number }>();
  let failing = false;
  const publish = async () => {
    try {
      await o.redis.client.hset(key, o.self, o.url);
      if (failing) o.log?.('private API address written to Redis again');
      failing = false;
    } catch (error) {
      if (!failing)
        o.log?.(
          `cannot write this replica's private API address to Redis (${(error as Error).message}); retrying`,
        );
      failing = true;
    }
  };
  void publish();
  const timer = setInterval(() => void publish(), refreshMs);
  timer.unref();
  return {
    async urlsOf(replicas) {
      const t = now();
      const missing = replicas.filter((r) => {
        const hit = cache.get(r);
        return !hit || t - hit.at > refreshMs;
      });
      if (missing.length > 0) {
        const urls = await o.redis.client.hmget(key, ...missing.slice(0, MAX_REPLICAS));
        missing.slice(0, MAX_REPLICAS).forEach((r, i) => {
          cache.delete(r);
          cache.set(r, { url: urls[i] ?? null, at: t });
        });
        while (cache.size > MAX_REPLICAS) cache.delete(cache.keys().next().value as string);
      }
      return replicas.flatMap((r) => {
        const url = cache.get(r)?.url;
        return url ? [url] : [];
      });
    },
    async stop() {
      clearInterval(timer);
      try {
        await o.redis.client.hdel(key, o.self);
      } catch {
        // Redis is away: the entry stays until this replica's name is reused; the tracker no longer names it.
      }
    },
  };
}
