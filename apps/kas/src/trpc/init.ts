import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { CreateHTTPContextOptions } from '@trpc/server/adapters/standalone';
import { ZodError } from 'zod';
import { ApiError, fromIssues, toApiError, type ApiErrorBody } from '../api/errors';
import { getRequestState, type RequestState } from '../api/request-state';
import type { KasServices } from '../api/services-adapter';
import type { KasInfo } from '../api/operation';
import type { Provided } from '../provided';

export interface TrpcContext {
  req: CreateHTTPContextOptions['req'];
  res: CreateHTTPContextOptions['res'];
  state: RequestState;
  services: KasServices;
  kasInfo: KasInfo;
  /** Aborted when kas shuts down: subscriptions end so the listener can close. */
  shutdown: AbortSignal;
  /** Values modules provided at start (see KasModuleContext.provide). */
  provided: Provided;
}

export function createTrpcContextFactory(
  services: KasServices,
  kasInfo: KasInfo,
  shutdown: AbortSignal,
  provided: Provided,
) {
  return ({ req, res }: CreateHTTPContextOptions): TrpcContext => ({
    req,
    res,
    state: getRequestState(req),
    services,
    kasInfo,
    shutdown,
    provided,
  });
}

const trpcCodeByStatus: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Wraps an ApiError so tRPC answers with the matching status and our body in `error.data`. */
export function toTrpcError(error: ApiError): TRPCError {
  return new TRPCError({
    code: trpcCodeByStatus[error.status] ?? 'INTERNAL_SERVER_ERROR',
    message: error.message,
    cause: error,
  });
}

function apiErrorOf(error: TRPCError): ApiError {
  const cause = error.cause;
  if (cause instanceof ApiError) return cause;
  if (cause instanceof ZodError) return fromIssues(cause.issues);
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (Array.isArray(issues)) return fromIssues(issues);
  if (error.code === 'PAYLOAD_TOO_LARGE') {
    return new ApiError(413, 'payload_too_large', 'request body is larger than 1 MiB');
  }
  if (error.code === 'NOT_FOUND') return new ApiError(404, 'not_found', error.message);
  if (error.code === 'METHOD_NOT_SUPPORTED' || error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') {
    return new ApiError(400, 'bad_request', error.message);
  }
  return cause ? toApiError(cause) : new ApiError(500, 'internal', 'internal error');
}

export const t = initTRPC.context<TrpcContext>().create({
  isDev: false,
  // Subscriptions stream over SSE; pings keep proxies from closing quiet streams and let the
  // client notice a dead one and reconnect (resuming after its lastEventId).
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
  errorFormatter({ shape, error, ctx }) {
    const apiError = apiErrorOf(error);
    const body: ApiErrorBody = apiError.body(ctx?.state.traceId);
    // Unexpected failures hide their detail; a deliberate 503 ("kas runs without module X") says what to do.
    if (apiError.status >= 500 && apiError.status !== 503)
      body.message = `internal error; trace id ${ctx?.state.traceId ?? 'unknown'}`;
    return {
      code: shape.code,
      message: body.message,
      data: { ...body, httpStatus: apiError.status, path: shape.data.path },
    };
  },
});
