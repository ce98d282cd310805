// The fixed-window rate limit shared by every kas replica (REDIS_URL): one counter per key and window,
// `<prefix>ratelimit:<key>:<window number>`, INCR then PEXPIRE (two windows) in one MULTI, so a credential has one
// budget however the load balancer spreads its requests. Windows are aligned to the clock (window number =
// now / windowMs), unlike the in-memory limiter's windows that open on a key's first request; replicas' clocks agree
// (NTP). Redis unreachable or slow (the command timeout): the replica falls back to its own in-memory window with
// the same limit — a credential may then get that budget on each replica until Redis is back, never a refusal
// because Redis is down. Keys are the callers' (the proxy's are SHA-256 hashes of the credential), never user text.
import type { RedisConnection } from './redis-connection';
import { type RateDecision, type RateLimiter, windowRateLimiter } from './window-rate-limiter';

export interface RedisRateLimiterOptions {
  redis: RedisConnection;
  /** Requests allowed per key and window. */
  limit: number;
  /** Default 60 s. */
  windowMs?: number;
  now?: () => number;
  /** Keys the in-memory fallback tracks at most (default 100,000). */
  maxFallbackKeys?: number;
}

export function redisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const { redis, limit } = options;
  const fallback = windowRateLimiter({ limit, windowMs, now, maxKeys: options.maxFallbackKeys });
  return {
    async take(key): Promise<RateDecision> {
      if (!redis.ready()) return fallback.take(key);
      const t = now();
      const window = Math.floor(t / windowMs);
      const counter = `${redis.keyPrefix}ratelimit:${key}:${window}`;
      let count: number;
      try {
        const results = await redis.client
          .multi()
          .incr(counter)
          .pexpire(counter, 2 * windowMs)
          .exec();
        count = Number(results?.[0]?.[1]);
        if (!Number.isFinite(count)) throw new Error('INCR gave no count');
      } catch {
        return fallback.take(key);
      }
      if (count <= limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * windowMs - t) / 1000)),
      };
    },
  };
}
