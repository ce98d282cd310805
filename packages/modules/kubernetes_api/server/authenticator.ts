// The proxy asks an injected authenticator who the caller is and whether it may use the agent. kas wires it to
// its services (PATs, sessions, CI job tokens, the agent's live configuration); tests may wire real services too.
import { BoundedTtlCache } from '../../shared/bounded-cache';
import type { AuthorizedCaller } from '../shared/impersonation';
import { ProxyAuthError, type ProxyCredential } from './credentials';

/**
 * Resolves the caller allowed on `credential.agentId`, or throws ProxyAuthError (→ 401 with its message) when the
 * credential is unknown, expired, revoked, lacks the `k8s_proxy` scope, or the agent is not shared with the caller.
 * Any other error becomes a 500 "kas could not check the credentials".
 */
export type ProxyAuthenticator = (credential: ProxyCredential) => Promise<AuthorizedCaller>;

export interface AuthCacheOptions {
  /** How long a successful answer is reused (GitLab: 60 s; tests use 2 s). */
  ttlMs: number;
  /** How long a 401 is reused. */
  errorTtlMs: number;
  /** At most this many credentials are remembered (least recently used go first); default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

export const DEFAULT_AUTH_CACHE_MAX_ENTRIES = 10_000;

/**
 * Caches answers per credential so hot paths (kubectl discovery) do not hit the database per request. Bounded: a
 * flood of made-up credentials evicts old entries instead of growing kas's memory.
 */
export function cachedAuthenticator(
  inner: ProxyAuthenticator,
  options: AuthCacheOptions,
): ProxyAuthenticator & {
  hits: () => number;
  size: () => number;
  /** Forgets every answer: the next request of each credential asks `inner` again (after an access change). */
  clear: () => void;
} {
  const entries = new BoundedTtlCache<string, Promise<AuthorizedCaller>>({
    maxEntries: options.maxEntries ?? DEFAULT_AUTH_CACHE_MAX_ENTRIES,
    ttlMs: options.ttlMs,
    now: options.now,
  });
  let hits = 0;
  const fn = async (credential: ProxyCredential) => {
    const key = JSON.stringify(credential);
    const cached = entries.get(key);
    if (cached) {
      hits++;
      return cached;
    }
    const result = inner(credential);
    entries.set(key, result);
    result.catch((error: unknown) => {
      if (entries.get(key) !== result) return;
      if (error instanceof ProxyAuthError) entries.set(key, result, options.errorTtlMs);
      else entries.delete(key);
    });
    return result;
  };
  return Object.assign(fn, { hits: () => hits, size: () => entries.size, clear: () => entries.clear() });
}
