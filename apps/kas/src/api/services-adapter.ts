// The seam between the API layer and the domain services (apps/kas/src/services, owned separately):
// building them, bootstrapping the admin, and turning request credentials into a Principal.
import type { IncomingMessage } from 'node:http';
import type { OpenedDatabase } from '@mooring/db';
import { createServices, type Services } from '../services/index';
import type { Logger } from '../logger';
import { unauthenticated } from './errors';
import type { Principal } from './operation';
import { sessionCookieName } from './operations/session';
import { parseCookies } from './request-state';

export type KasServices = Services;

export function createKasServices(deps: {
  database: OpenedDatabase;
  secret: Buffer;
  logger: Logger;
  configVersionsKept?: number;
  /** MOORING_USERS_CAN_CREATE_GROUPS. */
  usersCanCreateGroups?: boolean;
}): KasServices {
  return createServices({
    db: deps.database.db,
    secret: deps.secret,
    ...(deps.configVersionsKept !== undefined && { configVersionsKept: deps.configVersionsKept }),
    usersCanCreateGroups: deps.usersCanCreateGroups ?? false,
    onBackgroundError: (err) => deps.logger.error({ err }, 'background service work failed'),
  });
}

/** Creates the first admin on an empty database; returns the password only when it was generated. */
export async function ensureAdmin(
  services: KasServices,
  password: string | undefined,
): Promise<{ username: string; password: string } | undefined> {
  const result = await services.users.ensureInitialAdmin(password === undefined ? {} : { password });
  if (!result.created || !result.generated) return undefined;
  return { username: result.username, password: result.password };
}

/**
 * PAT (`Authorization: Bearer mpat-…`) first, then the session cookie. A bearer token that does not
 * verify is a 401 (never silently anonymous); an unknown or expired cookie is simply anonymous.
 */
export function createAuthenticate(services: KasServices) {
  return async (req: IncomingMessage): Promise<Principal> => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) {
        throw unauthenticated('the Authorization header must be "Bearer mpat-…" (a personal access token)');
      }
      const verified = await services.personalAccessTokens.verify(match[1]!);
      if (!verified) {
        throw unauthenticated(
          'the personal access token is unknown, revoked or expired, or its user is disabled; create a new token',
        );
      }
      return { kind: 'pat', user: verified.user, tokenId: verified.patId, scopes: verified.scopes };
    }
    const sessionToken = parseCookies(req.headers.cookie).get(sessionCookieName);
    if (sessionToken) {
      const session = await services.sessions.resolve(sessionToken);
      if (session) {
        return {
          kind: 'session',
          user: { id: session.user.id, username: session.user.username, isAdmin: session.user.isAdmin },
          sessionToken,
          csrfValid: (token) => services.sessions.verifyCsrf(sessionToken, token),
        };
      }
    }
    return { kind: 'anonymous' };
  };
}
