import type { Actor } from '../services/actor';
import type { AuthenticatedContext } from './operation';

/** The services' Actor for this call: who, with which PAT scopes, from which address. */
export function actorOf(ctx: AuthenticatedContext): Actor {
  const { principal, user } = ctx;
  return {
    userId: user.id,
    username: user.username,
    isAdmin: user.isAdmin,
    address: ctx.remoteAddress ?? null,
    ...(principal.kind === 'pat' ? { scopes: principal.scopes as Actor['scopes'] } : {}),
  };
}
