import type { AuthenticatedContext } from '../api/operation';
import { handlerContext } from '../api/request-state';
import type { TrpcContext } from './init';

/** The operation handlers' context for a tRPC call whose caller was already checked to be signed in. */
export function authenticatedContextOf(ctx: TrpcContext): AuthenticatedContext {
  return handlerContext(ctx.req, ctx.res, ctx.state, ctx.services, ctx.kasInfo) as AuthenticatedContext;
}
