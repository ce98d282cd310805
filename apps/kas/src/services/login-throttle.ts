// Brute-force brake for logins: after `maxFailures` attempts for one (username, client address) that did not
// succeed, further attempts are refused for `lockSeconds`. Each attempt is checked AND charged in one synchronous
// step before the password is hashed, so parallel guesses (a tRPC batch, 50 concurrent requests) cannot all pass
// the check while the first hashes run; a success refunds the charges. Keying on the address as well means one
// attacker cannot lock a user out for everyone. In memory: per-process is enough for one kas, and a
// restart only gives an attacker a few more guesses.
import type { Clock } from './clock';
import { RateLimitedError } from './errors';

export interface LoginThrottleOptions {
  maxFailures?: number;
  lockSeconds?: number;
  /** Failures older than this are forgotten. */
  windowSeconds?: number;
  /** Bound on tracked keys so a spray of addresses cannot exhaust memory. */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  firstFailureAt: number;
  lockedUntil: number;
}

export function createLoginThrottle(clock: Clock, options: LoginThrottleOptions = {}) {
  const maxFailures = options.maxFailures ?? 5;
  const lockMs = (options.lockSeconds ?? 300) * 1000;
  const windowMs = (options.windowSeconds ?? 900) * 1000;
  const maxKeys = options.maxKeys ?? 100_000;
  const entries = new Map<string, Entry>();
  const keyOf = (username: string, address: string) => `${username.toLowerCase()}\u0000${address}`;

  function prune(now: number) {
    for (const [key, e] of entries) {
      if (e.lockedUntil < now && now - e.firstFailureAt > windowMs) entries.delete(key);
    }
    // Still too many: drop the oldest (Map keeps insertion order).
    for (const key of entries.keys()) {
      if (entries.size <= maxKeys) break;
      entries.delete(key);
    }
  }

  return {
    /**
     * Counts one attempt for (user, address), or throws RateLimitedError with retry-after when locked out. Call
     * before verifying the password; call recordSuccess when it was right.
     */
    charge(username: string, address: string): void {
      const now = clock.now().getTime();
      const key = keyOf(username, address);
      let e = entries.get(key);
      if (e && e.lockedUntil > now) {
        const retryAfterSeconds = Math.ceil((e.lockedUntil - now) / 1000);
        throw new RateLimitedError(
          `too many failed logins for ${username} from this address; try again in ${retryAfterSeconds} s or ask an administrator to reset the password`,
          retryAfterSeconds,
        );
      }
      if (!e || now - e.firstFailureAt > windowMs) {
        e = { failures: 0, firstFailureAt: now, lockedUntil: 0 };
        entries.set(key, e);
        if (entries.size > maxKeys) prune(now);
      }
      e.failures++;
      if (e.failures >= maxFailures) {
        e.lockedUntil = now + lockMs;
        e.failures = 0;
        e.firstFailureAt = now;
      }
    },
    recordSuccess(username: string, address: string): void {
      entries.delete(keyOf(username, address));
    },
    get trackedKeys(): number {
      return entries.size;
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
