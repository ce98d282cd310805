// The proxy's authenticator backed by kas's services (apps/kas/src/services): PATs with the k8s_proxy scope,
// browser sessions with their CSRF token, CI job tokens, and the agent-access facts resolved from the agent's
// live configuration (shared/impersonation.ts makes the identity of them). Typed structurally so this module does
// not import the app.
import type { AuthorizedCaller, AuthorizedCiJob, AuthorizedUser } from '../shared/impersonation';
import type { ProxyAuthenticator } from './authenticator';
import { ProxyAuthError, type ProxyCredential } from './credentials';

interface UserRef {
  id: number;
  username: string;
  isAdmin: boolean;
}

export interface ProxyAuthServices {
  personalAccessTokens: {
    verify(token: string, requiredScope?: 'k8s_proxy'): Promise<{ user: UserRef } | null>;
  };
  sessions: {
    resolve(sessionId: string): Promise<{ user: UserRef } | null>;
    verifyCsrf(sessionId: string, token: string | null | undefined): boolean;
  };
  ciJobTokens: { verify(token: string): Promise<{ jobId: string; projectPath: string } | null> };
  agentAccess: {
    forUser(
      user: UserRef,
      agentId: number,
      accessType: AuthorizedUser['accessType'],
    ): Promise<AuthorizedUser | null>;
    // The job object is whatever ciJobTokens.verify returned.
    forCiJob(job: never, agentId: number): Promise<AuthorizedCiJob | null>;
  };
  /**
   * kas's service events: a revoked credential, a changed membership or an agent configuration (its user_access and
   * ci_access) may change any cached answer, so the proxy forgets them all when one fires.
   */
  events?: {
    accessChanged: { subscribe(listener: () => void): () => void };
    configChanged: { subscribe(listener: () => void): () => void };
  };
}

export interface ServicesAuthenticatorOptions {
  /** Default `mooring_session` (apps/kas/src/api/operations/session.ts). */
  sessionCookieName?: string;
}

export function servicesAuthenticator(
  services: ProxyAuthServices,
  options: ServicesAuthenticatorOptions = {},
): ProxyAuthenticator {
  const cookieName = options.sessionCookieName ?? 'mooring_session';
  const notShared = (agentId: number) =>
    new ProxyAuthError(
      `agent ${agentId} does not exist or is not shared with you: its configuration's user_access (or ci_access) ` +
        'must list a project or group where you are at least Developer',
    );

  return async (credential: ProxyCredential): Promise<AuthorizedCaller> => {
    if (credential.kind === 'ci_job') {
      const job = await services.ciJobTokens.verify(credential.jobToken);
      if (!job)
        throw new ProxyAuthError(
          'the CI job token is unknown or expired; it is valid only while the job runs',
        );
      const allowed = await services.agentAccess.forCiJob(job as never, credential.agentId);
      if (!allowed) throw notShared(credential.agentId);
      return allowed;
    }
    let user: UserRef;
    let accessType: AuthorizedUser['accessType'];
    if (credential.kind === 'pat') {
      const pat = await services.personalAccessTokens.verify(credential.token, 'k8s_proxy');
      if (!pat) {
        throw new ProxyAuthError(
          'the personal access token is unknown, expired, revoked, or lacks the k8s_proxy scope; create one with scope k8s_proxy',
        );
      }
      user = pat.user;
      accessType = 'personal_access_token';
    } else {
      const sessionId = readCookie(credential.cookieHeader, cookieName);
      if (!sessionId) throw new ProxyAuthError(`no ${cookieName} cookie: sign in to the console first`);
      // The CSRF token is an HMAC of the session id, checked without the database: a made-up cookie stops here,
      // so a flood of random cookies costs no query.
      if (!services.sessions.verifyCsrf(sessionId, credential.csrfToken)) {
        throw new ProxyAuthError('the CSRF token does not match the session: reload the console page');
      }
      const session = await services.sessions.resolve(sessionId);
      if (!session) throw new ProxyAuthError('the session has expired or was signed out: sign in again');
      user = session.user;
      accessType = 'session_cookie';
    }
    const allowed = await services.agentAccess.forUser(user, credential.agentId, accessType);
    if (!allowed) throw notShared(credential.agentId);
    return allowed;
  };
}

/** The named cookie's value; a value that is not valid percent-encoding is taken as it is (it then matches no session). */
export function readCookie(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}
