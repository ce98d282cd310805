import type { z } from 'zod';
import { ForbiddenError } from '../services/errors';
import { actorOf } from './actor';
import { ApiError, forbidden, fromIssues, toApiError, unauthenticated } from './errors';
import type { AnyOperation, AuthenticatedContext, Principal, PublicContext } from './operation';

export const csrfErrorMessage =
  'missing or invalid CSRF token; send the X-Csrf-Token header returned at login';

/**
 * The checks every operation and subscription passes before its handler, for REST and tRPC alike:
 * authentication, PAT scope (`read_api` reads, `api` writes) and CSRF for cookie-authenticated mutations.
 */
export function authorizeCall(
  operation: Pick<AnyOperation, 'name' | 'access'> & { type: AnyOperation['type'] | 'subscription' },
  principal: Principal,
  csrfHeader: string | undefined,
): void {
  if (principal.kind === 'session' && operation.type === 'mutation' && operation.access !== 'public') {
    if (csrfHeader === undefined || !principal.csrfValid(csrfHeader)) throw forbidden(csrfErrorMessage);
  }
  if (operation.access === 'public') return;
  if (principal.kind === 'anonymous') {
    throw unauthenticated(
      'authentication required: log in with POST /api/v1/session or send Authorization: Bearer mpat-… (a personal access token)',
    );
  }
  if (principal.kind === 'pat') {
    // Queries and subscriptions read; only mutations need `api`.
    const needed = operation.type === 'mutation' ? ['api'] : ['read_api', 'api'];
    if (!needed.some((scope) => principal.scopes.includes(scope))) {
      const has = principal.scopes.length > 0 ? principal.scopes.join(', ') : 'none';
      throw forbidden(
        `this personal access token has scopes [${has}]; ${operation.name} needs scope ${needed.join(' or ')}; create a token with that scope`,
      );
    }
  }
}

export function parseInput<I extends z.ZodObject>(schema: I, raw: unknown): z.output<I> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fromIssues(parsed.error.issues);
  return parsed.data;
}

/** Runs the handler and shapes its answer with the output schema (which strips unlisted fields). */
export async function runHandler(
  operation: AnyOperation,
  input: unknown,
  ctx: PublicContext | AuthenticatedContext,
): Promise<unknown> {
  let result: unknown;
  try {
    result = await operation.handler(input as never, ctx as AuthenticatedContext);
  } catch (err) {
    if (err instanceof ForbiddenError && 'user' in ctx && ctx.user)
      await ctx.services.audit.recordSecurityEvent(actorOf(ctx as AuthenticatedContext), {
        action: 'authorization.denied',
        targetType: 'operation',
        targetId: operation.name,
        details: { reason: err.message.slice(0, 300) },
      });
    const apiError = toApiError(err);
    if (apiError.status >= 500) ctx.logger.error({ err, operation: operation.name }, 'operation failed');
    throw apiError;
  }
  const shaped = operation.output.safeParse(result);
  if (!shaped.success) {
    ctx.logger.error(
      { operation: operation.name, issues: shaped.error.issues },
      'handler answer does not match the output schema',
    );
    throw new ApiError(500, 'internal', 'internal error');
  }
  return shaped.data;
}

export function contextUser(principal: Principal) {
  return principal.kind === 'anonymous' ? null : principal.user;
}
