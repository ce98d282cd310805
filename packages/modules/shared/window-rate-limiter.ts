// Fixed-window rate limits, behind an interface so several kas replicas share one budget in Redis
// (redis-rate-limiter.ts); this one is in memory. Used by the proxy's per-credential limit and the audit log's cap on security events.
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request for `key` and says whether it is within the budget (shared stores answer later). */
  take(key: string): RateDecision | Promise<RateDecision>;
}

/** A limiter that answers at once (in memory). */
export interface WindowRateLimiter extends RateLimiter {
  take(key: string): RateDecision;
}

export interface WindowRateLimiterOptions {
  /** Requests allowed per key and window. */
  limit: number;
  /** Default 60 s. */
  windowMs?: number;
  /** Keys tracked at most; the oldest window is forgotten first. Default 100,000. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Fixed one-minute windows per key: the first request of a key opens its window, `limit` requests fit in it, the
 * next is refused until the window ends (Retry-After says when). Memory is bounded by `maxKeys`.
 */
export function windowRateLimiter(options: WindowRateLimiterOptions): WindowRateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    take(key) {
      const t = now();
      let window = windows.get(key);
      if (!window || t - window.startedAt >= windowMs) {
        windows.delete(key);
        window = { startedAt: t, count: 0 };
        windows.set(key, window);
        // Map keeps insertion order, so the first key is the one whose window opened longest ago.
        while (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
      }
      window.count++;
      if (window.count <= options.limit) return { allowed: true };
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + windowMs - t) / 1000)),
      };
    },
  };
}

/** No limit (e.g. MOORING_TOKEN_RATE_LIMIT_PER_MINUTE=0). */
export const unlimited: WindowRateLimiter = { take: () => ({ allowed: true }) };
