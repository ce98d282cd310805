// Where each replica's private API is: the tunnel tracker names replicas (the name in connection rows), and a
// gateway needs their private API URLs. Each replica writes its own into one Redis hash as soon as the Redis
// connection is ready (and again each time it reconnects), retries a failed write after half a second, and writes
// it again every few seconds (a restarted Redis without persistence forgets it; the next write puts it back); it
// removes it when it stops. Without the early write a gateway's first routed call waited for the next refresh. A stale entry of a dead replica is harmless: the tracker no longer names that replica once its entries
// expired. Reads are cached for a few seconds (a missing name for half a second), bounded by the number of replicas.
// Next to its address each replica writes its status (replica-status.ts: its /readyz answer, agents and tunnels held,
// when) into a second hash on the same schedule, for the console's list of replicas; entries whose writer has been
// silent for an hour are pruned from both hashes (a killed replica never removes its own).
import type { RedisConnection } from '../../shared/redis-connection';
import {
  type LocalStatus,
  type PublishedStatus,
  publishedStatusSchema,
  type StoredReplica,
  truncateLines,
} from './replica-status';

export interface ReplicaAddresses {
  /** Private API URLs of the named replicas (unknown names are left out). */
  urlsOf(replicas: string[]): Promise<string[]>;
  /** Every replica with an address or a status in Redis (at most MAX_REPLICAS; more is refused as a misconfiguration). */
  list(): Promise<StoredReplica[]>;
  /** Writes the address and status now (the drain: the others see "shutting down" at once). */
  publishNow(): Promise<void>;
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
  /** This replica's status, written with its address; unset: only the address is written. */
  status?: () => Promise<LocalStatus>;
  now?: () => number;
  log?: (message: string) => void;
}

/** More replicas than this in one installation is a misconfiguration; the cache never grows past it. */
const MAX_REPLICAS = 1000;
/** A replica silent this long is removed from both hashes by the others. */
export const PRUNE_AFTER_MS = 60 * 60_000;
/** Every this many refreshes a replica prunes the silent ones (about once a minute at the default refresh). */
const PRUNE_EVERY = 12;

/** The status hash beside the address hash. */
export const statusKeyOf = (keyPrefix: string) => `${keyPrefix}kas:replica-status`;

export function redisReplicaAddresses(o: ReplicaAddressOptions): ReplicaAddresses {
  const key = `${o.redis.keyPrefix}kas:private-api-urls`;
  const statusKey = statusKeyOf(o.redis.keyPrefix);
  let publishes = 0;
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
      const status = await statusOf();
      const multi = o.redis.client.multi().hset(key, o.self, o.url);
      if (status) multi.hset(statusKey, o.self, JSON.stringify(status));
      const results = await multi.exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (!results || failed) throw failed ?? new Error('Redis discarded the transaction');
      if (++publishes % PRUNE_EVERY === 0) await prune();
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
  const statusOf = async (): Promise<PublishedStatus | null> => {
    if (!o.status) return null;
    const local = await o.status();
    return {
      url: o.url,
      ready: local.ready,
      readiness: truncateLines(local.readiness),
      agents: local.agents,
      tunnels: local.tunnels,
      at: now(),
    };
  };
  const read = async (): Promise<StoredReplica[]> => {
    const counts = await Promise.all([o.redis.client.hlen(key), o.redis.client.hlen(statusKey)]);
    for (const count of counts) {
      if (count > MAX_REPLICAS)
        throw new Error(
          `Redis holds more than ${MAX_REPLICAS} kas replicas under ${key}; delete that hash and ${statusKey} (the replicas write theirs again within seconds)`,
        );
    }
    const [urls, statuses] = await Promise.all([
      o.redis.client.hgetall(key),
      o.redis.client.hgetall(statusKey),
    ]);
    const names = [...new Set([...Object.keys(urls), ...Object.keys(statuses)])];
    return names.map((name) => {
      const raw = statuses[name];
      if (raw === undefined) return { name, url: urls[name] ?? null, status: null };
      let parsed: ReturnType<typeof publishedStatusSchema.safeParse>;
      try {
        parsed = publishedStatusSchema.safeParse(JSON.parse(raw));
      } catch {
        return { name, url: urls[name] ?? null, status: null, unreadable: true };
      }
      return parsed.success
        ? { name, url: urls[name] ?? null, status: parsed.data }
        : { name, url: urls[name] ?? null, status: null, unreadable: true };
    });
  };
  // Removes replicas silent for an hour (their own stop() never ran). A replica reusing a pruned name at that moment
  // writes both entries again at its next refresh.
  const prune = async () => {
    const silent = (await read())
      .filter((r) => r.name !== o.self && r.status && now() - r.status.at > PRUNE_AFTER_MS)
      .map((r) => r.name);
    if (silent.length > 0)
      await o.redis.client
        .multi()
        .hdel(key, ...silent)
        .hdel(statusKey, ...silent)
        .exec();
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
    list: read,
    publishNow: publish,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      o.redis.client.off('ready', onReady);
      try {
        await o.redis.client.multi().hdel(key, o.self).hdel(statusKey, o.self).exec();
      } catch {
        // Redis is away: the entry stays until this replica's name is reused; the tracker no longer names it.
      }
    },
  };
}
