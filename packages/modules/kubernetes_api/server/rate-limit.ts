// Per-credential request rate limit of the Kubernetes API proxy (GitLab's agent: 40,000 requests a minute per token):
// the shared window limiter, keyed by a hash of the credential.
import { createHash } from 'node:crypto';
import type { ProxyCredential } from './credentials';
import { readCookie } from './services-authenticator';

export {
  unlimited,
  windowRateLimiter,
  type RateDecision,
  type RateLimiter,
  type WindowRateLimiterOptions,
} from '../../shared/window-rate-limiter';

/**
 * The key of a credential: a hash of its secret (the token, or the session id from the cookie), so no secret is
 * kept in memory and extra cookies do not make a new key.
 */
export function credentialRateKey(
  credential: ProxyCredential,
  sessionCookieName = 'mooring_session',
): string {
  const secret =
    credential.kind === 'pat'
      ? `pat:${credential.token}`
      : credential.kind === 'ci_job'
        ? `ci:${credential.jobToken}`
        : `session:${readCookie(credential.cookieHeader, sessionCookieName) ?? credential.cookieHeader}`;
  return createHash('sha256').update(secret).digest('base64url');
}
