// Where each replica's private API is: the tunnel tracker names replicas (the name in connection rows), and a
// gateway needs their private API URLs. Each replica writes its own into one Redis hash as soon as the Redis
// connection is ready (and again each time it reconnects), retries a failed write after half a second, and writes
// it again every few seconds (a restarted Redis without persistence forgets it; the next write puts it back); it
// removes it when it stops. Without the early write a gateway's first routed call waited for the next refresh. A stale entry of a dead replica is harmless: the tracker no longer names that replica once its entries
// expired. Reads are cached for a few seconds (a missing name for half a second), bounded by the number of replicas.
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
  /** How soon a failed write is tried again. Default 500 ms. */
  retryMs?: number;
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
  const retryMs = o.retryMs ?? 500;
  let failing = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const publish = async () => {
    clearTimeout(retry);
    retry = undefined;
    if (stopped) return;
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
      if (!stopped && !retry) {
        retry = setTimeout(() => void publish(), retryMs);
        retry.unref();
      }
    }
  };
  const onReady = () => void publish();
  o.redis.client.on('ready', onReady);
  if (o.redis.ready()) void publish();
  const timer = setInterval(() => void publish(), refreshMs);
  timer.unref();
  return {
    async urlsOf(replicas) {
      const t = now();
      const missing = replicas.filter((r) => {
        const hit = cache.get(r);
        // A name without a URL yet (that replica is starting) is asked again soon, not after a whole refresh.
        return !hit || t - hit.at > (hit.url ? refreshMs : retryMs);
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
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      o.redis.client.off('ready', onReady);
      try {
        await o.redis.client.hdel(key, o.self);
      } catch {
        // Redis is away: the entry stays until this replica's name is reused; the tracker no longer names it.
      }
    },
  };
}
