import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from '../http/read-json-body';
import { ApiError, toApiError } from './errors';
import type { KasInfo } from './operation';
import { authorizeCall, parseInput, runHandler } from './pipeline';
import { handlerContext, type RequestState } from './request-state';
import { coerceStrings, matchRoute, restPrefix, type RestRoute } from './rest-routes';
import type { KasServices } from './services-adapter';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Answers an error as `{code, message, field?, traceId?}` with its status and headers. */
export function sendApiError(res: ServerResponse, error: ApiError, state: RequestState): void {
  const body = error.body(state.traceId);
  if (error.status >= 500) body.message = `internal error; trace id ${state.traceId}`;
  sendJson(res, error.status, body, error.headers);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'bad_request', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export interface RestHandlerOptions {
  routes: readonly RestRoute[];
  services: KasServices;
  kasInfo: KasInfo;
  /** Extra documents served under /api/v1 (openapi.json). */
  documents: Record<string, () => unknown>;
}

/** Serves `/api/v1/*`: matches a route, assembles input from path, query and body, runs it. */
export function createRestHandler(options: RestHandlerOptions) {
  return async (req: IncomingMessage, res: ServerResponse, state: RequestState, url: URL) => {
    const path = url.pathname.slice(restPrefix.length) || '/';
    try {
      const document = options.documents[path];
      if (document && (req.method === 'GET' || req.method === 'HEAD')) {
        state.route = `${restPrefix}${path}`;
        return sendJson(res, 200, document());
      }
      // HEAD is GET without a body (Node drops the body of HEAD answers itself).
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const match = matchRoute(options.routes, method, path);
      if (match.kind === 'not_found') {
        throw new ApiError(
          404,
          'not_found',
          `no API route ${req.method} ${url.pathname}; see ${restPrefix}/openapi.json for the list`,
        );
      }
      if (match.kind === 'method_not_allowed') {
        throw new ApiError(
          405,
          'method_not_allowed',
          `${url.pathname} does not accept ${req.method}; it accepts ${match.allowed.join(', ')}`,
          undefined,
          { allow: match.allowed.join(', ') },
        );
      }
      const { route, params } = match;
      const operation = route.operation;
      state.route = `${restPrefix}${route.template}`;
      if (state.authError && operation.access !== 'public') throw state.authError;
      authorizeCall(operation, state.principal, state.csrfHeader);

      const query = Object.fromEntries(url.searchParams);
      const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
      const body = hasBody ? objectBody(await readJsonBody(req)) : {};
      const raw = {
        ...(hasBody ? {} : coerceStrings(operation.input, query)),
        ...body,
        ...coerceStrings(operation.input, params),
      };
      const input = parseInput(operation.input, raw);
      const ctx = handlerContext(req, res, state, options.services, options.kasInfo);
      const output = await runHandler(operation, input, ctx);
      sendJson(res, operation.successStatus ?? 200, output);
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status >= 500) state.logger.error({ err }, 'REST request failed');
      if (apiError.status === 413) res.setHeader('connection', 'close');
      sendApiError(res, apiError, state);
    }
  };
}
