// The proxy asks an injected authenticator who the caller is and whether it may use the agent. kas wires it to
// its services (PATs, sessions, CI job tokens, the agent's live configuration); tests may wire real services too.
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
  now?: () => number;
}

/** Caches answers per credential so hot paths (kubectl discovery) do not hit the database per request. */
export function cachedAuthenticator(
  inner: ProxyAuthenticator,
  options: AuthCacheOptions,
): ProxyAuthenticator & {
  hits: () => number;
} {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { until: number; result: Promise<AuthorizedCaller> }>();
  let hits = 0;
  const fn = async (credential: ProxyCredential) => {
    const key = JSON.stringify(credential);
    const t = now();
    const entry = entries.get(key);
    if (entry && entry.until > t) {
      hits++;
      return entry.result;
    }
    if (entries.size > 10_000) for (const [k, e] of entries) if (e.until <= t) entries.delete(k);
    const result = inner(credential);
    entries.set(key, { until: t + options.ttlMs, result });
    result.catch((error: unknown) => {
      if (error instanceof ProxyAuthError) entries.set(key, { until: now() + options.errorTtlMs, result });
      else entries.delete(key);
    });
    return result;
  };
  return Object.assign(fn, { hits: () => hits });
}
