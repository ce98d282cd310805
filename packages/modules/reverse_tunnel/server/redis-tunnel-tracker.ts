// The tunnel tracker shared by several kas replicas in Redis (key layout and TTLs: docs/decisions.md, "Several
// replicas share the tunnel tracker in Redis"):
//   <prefix>tunnels:agent:<agentId>  sorted set: member = replica, score = when its entry expires (ms since epoch);
//                                     the key itself expires `ttlMs` after its last write (no replica left)
//   <prefix>replicas                 sorted set: member = replica, score = when its heartbeat expires
// Every write is ZADD of a fresh expiry, so a replica that stops writing (killed, cut off) drops out of every
// answer after `ttlMs`; readers ignore members whose score is past. Writes go out from a tick in batches of at most
// `batchSize` agents per pipeline (tracker-schedule.ts spreads the refreshes); Redis being away only delays them,
// and when it returns everything this replica holds is written again. Clocks of the replicas must agree (NTP), as
// for the database leases.
import type { RedisConnection } from '../../shared/redis-connection';
import { TrackerSchedule, type TrackerBatch } from './tracker-schedule';
import type { TunnelTracker } from './tunnel-tracker';

export const REDIS_TUNNEL_TRACKER_DEFAULTS = {
  ttlMs: 30_000,
  tickMs: 1_000,
  batchSize: 500,
  /** Batches per tick at most: 10,000 agents refreshed every ttl/3 = 10 s need 2 batches a second. */
  maxBatchesPerTick: 10,
} as const;

export interface RedisTunnelTrackerOptions {
  redis: RedisConnection;
  /** This replica's name. */
  self: string;
  /** An entry not refreshed for this long expires. Refreshed every ttl/3. */
  ttlMs?: number;
  tickMs?: number;
  batchSize?: number;
  maxBatchesPerTick?: number;
  /** The clock the expiry scores use (tests inject one). */
  now?: () => number;
  random?: () => number;
  /** Timers (tests drive `tick()` themselves with `manualTicks`). */
  manualTicks?: boolean;
  log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

export interface RedisTunnelTracker extends TunnelTracker {
  /** One round of writes owed now (the timer calls it every tickMs). Resolves when they are done or failed. */
  tick(): Promise<void>;
}

export function redisTunnelTracker(options: RedisTunnelTrackerOptions): RedisTunnelTracker {
  const d = REDIS_TUNNEL_TRACKER_DEFAULTS;
  const { redis, self } = options;
  const ttlMs = options.ttlMs ?? d.ttlMs;
  const refreshMs = Math.max(1, Math.floor(ttlMs / 3));
  const batchSize = options.batchSize ?? d.batchSize;
  const maxBatches = options.maxBatchesPerTick ?? d.maxBatchesPerTick;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const schedule = new TrackerSchedule({ refreshMs, batchSize, random: options.random });
  const agentKey = (agentId: number) => `${redis.keyPrefix}tunnels:agent:${agentId}`;
  const replicasKey = `${redis.keyPrefix}replicas`;
  let heartbeatDueAt = 0;
  let wasReady = true;
  let failing = false;
  let running: Promise<void> | null = null;
  let stopped = false;

  const write = async (batch: TrackerBatch, t: number) => {
    const pipeline = redis.client.pipeline();
    for (const agentId of batch.upsert) {
      pipeline.zadd(agentKey(agentId), t + ttlMs, self);
      // Members of replicas that died stay until their key expires or a live replica prunes them here.
      pipeline.zremrangebyscore(agentKey(agentId), '-inf', t);
      pipeline.pexpire(agentKey(agentId), ttlMs);
    }
    for (const agentId of batch.remove) pipeline.zrem(agentKey(agentId), self);
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error('Redis discarded the pipeline');
  };

  const heartbeat = async (t: number) => {
    await redis.client
      .multi()
      .zadd(replicasKey, t + ttlMs, self)
      .zremrangebyscore(replicasKey, '-inf', t)
      .pexpire(replicasKey, ttlMs)
      .exec();
  };

  const round = async () => {
    const ready = redis.ready();
    if (!ready) {
      wasReady = false;
      return;
    }
    // Back after an outage: entries may have expired meanwhile, so write every held one again (spread over ticks).
    if (!wasReady) {
      wasReady = true;
      schedule.rewriteAll();
      heartbeatDueAt = 0;
    }
    const t = now();
    try {
      if (t >= heartbeatDueAt) {
        await heartbeat(t);
        heartbeatDueAt = t + refreshMs;
      }
      for (let i = 0; i < maxBatches; i++) {
        const batch = schedule.nextBatch(t);
        if (!batch) break;
        try {
          await write(batch, t);
        } catch (err) {
          schedule.failed(batch);
          throw err;
        }
      }
      if (failing) log('info', {}, 'tunnel tracker writes to Redis succeed again');
      failing = false;
    } catch (err) {
      if (!failing)
        log('warn', { err: (err as Error).message }, 'tunnel tracker could not write to Redis; retrying');
      failing = true;
    }
  };

  const tick = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = options.manualTicks ? undefined : setInterval(() => void tick(), options.tickMs ?? d.tickMs);
  timer?.unref();

  const live = async (key: string) => redis.client.zrangebyscore(key, `(${now()}`, '+inf');

  return {
    self,
    tick,
    register(agentId) {
      if (!stopped) schedule.add(agentId);
    },
    unregister(agentId) {
      if (!stopped) schedule.remove(agentId);
    },
    holds: (agentId) => schedule.has(agentId),
    async kasUrlsFor(agentId) {
      const replicas = new Set(await live(agentKey(agentId)));
      // Just registered, not written yet: this replica holds it all the same.
      if (schedule.has(agentId)) replicas.add(self);
      else replicas.delete(self);
      return [...replicas].sort();
    },
    async liveReplicas() {
      const replicas = new Set(await live(replicasKey));
      replicas.add(self);
      return [...replicas].sort();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
      if (!redis.ready()) return;
      // Remove this replica's entries at once rather than let them expire: its agents dial another replica.
      const agents = schedule.agents();
      try {
        for (let i = 0; i < agents.length; i += batchSize) {
          const pipeline = redis.client.pipeline();
          for (const agentId of agents.slice(i, i + batchSize)) pipeline.zrem(agentKey(agentId), self);
          await pipeline.exec();
        }
        await redis.client.zrem(replicasKey, self);
      } catch (err) {
        log(
          'warn',
          { err: (err as Error).message },
          'could not remove the tunnel tracker entries; they expire',
        );
      }
    },
  };
}
