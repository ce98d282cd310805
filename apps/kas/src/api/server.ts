import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AnyRouter } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import {
  boundRejectedBodies,
  DEFAULT_LISTENER_TIMEOUTS,
  httpTimeoutOptions,
  type ListenerTimeouts,
} from '@mooring/modules/shared/listener-timeouts';
import { TRPC_MAX_BATCH_SIZE, TRPC_UNBATCHABLE } from '@mooring/modules/shared/trpc-limits';
import type { Logger } from '../logger';
import type { HttpMetrics } from '../observability/metrics';
import { createClientAddress } from '../http/client-address';
import { maxBodyBytes } from '../http/read-json-body';
import { ApiError, toApiError } from './errors';
import type { KasInfo, Principal } from './operation';
import type { Provided } from '../provided';
import type { AgentkChartServer } from '../charts/agentk-chart';
import { createRestHandler, sendApiError, sendJson } from './rest-handler';
import { setRequestState, type RequestState } from './request-state';
import { restPrefix, type RestRoute } from './rest-routes';
import type { KasServices } from './services-adapter';
import { createTrpcContextFactory } from '../trpc/init';

/** Turns request headers into a principal; throws ApiError (401) for a credential that is invalid. */
export type Authenticate = (req: http.IncomingMessage) => Promise<Principal>;

export interface ConsoleApiServerOptions {
  router: AnyRouter;
  routes: readonly RestRoute[];
  services: KasServices;
  kasInfo: KasInfo;
  /** Aborted when kas shuts down; ends streaming subscriptions. */
  shutdown: AbortSignal;
  provided: Provided;
  authenticate: Authenticate;
  logger: Logger;
  httpMetrics: HttpMetrics;
  documents: Record<string, () => unknown>;
  /** Socket time limits; defaults as documented in docs/security.md. */
  timeouts?: ListenerTimeouts;
  /** Peers allowed to say which browser they call for (X-Mooring-Client-Address); default loopback. */
  consoleAddresses?: readonly string[];
  /** Session cookies get the Secure flag (the console's public URL is https). */
  secureCookies?: boolean;
  /** GET /api/v1/charts/agentk-<version>.tgz (public: a chart holds no secret). */
  agentkChart?: AgentkChartServer;
}

const chartsPrefix = `${restPrefix}/charts/`;

/** The console API listener: tRPC at /trpc, REST at /api/v1, one auth step in front of both. */
export function createConsoleApiServer(options: ConsoleApiServerOptions): http.Server {
  const trpc = createHTTPHandler({
    router: options.router,
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    // One request must not buy unbounded work (1,000 batched calls cost kas 12 s); checked with a clearer
    // message below, this is the backstop.
    maxBatchSize: TRPC_MAX_BATCH_SIZE,
    // Queries with large inputs (agentConfigs.validate) may be sent as POST.
    allowMethodOverride: true,
    createContext: createTrpcContextFactory(
      options.services,
      options.kasInfo,
      options.shutdown,
      options.provided,
    ),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        options.logger.error({ err: error.cause ?? error, procedure: path }, 'tRPC procedure failed');
      }
    },
  });
  const rest = createRestHandler({
    routes: options.routes,
    services: options.services,
    kasInfo: options.kasInfo,
    documents: options.documents,
  });

  const timeouts = options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS;
  const clientAddress = createClientAddress(options.consoleAddresses);
  const metrics = options.httpMetrics.listener('api', [
    ...Object.keys(options.router._def.procedures as Record<string, unknown>).map((name) => `/trpc/${name}`),
    '/trpc/(batch)',
    ...options.routes.map((route) => `${restPrefix}${route.template}`),
    ...Object.keys(options.documents).map((path) => `${restPrefix}${path}`),
    `${chartsPrefix}:chart`,
  ]);
  // A whole console API request (at most 1 MiB) within a minute; see listener-timeouts.ts for the rest.
  const server = http.createServer(httpTimeoutOptions(timeouts, 60_000), (req, res) => {
    const started = process.hrtime.bigint();
    const traceId = randomBytes(8).toString('hex');
    const state: RequestState = {
      traceId,
      logger: options.logger.child({ trace_id: traceId }),
      principal: { kind: 'anonymous' },
      authError: undefined,
      csrfHeader: firstHeader(req.headers['x-csrf-token']),
      route: 'unmatched',
      clientAddress: clientAddress(req),
      secureCookies: options.secureCookies ?? false,
    };
    setRequestState(req, state);
    res.setHeader('x-trace-id', traceId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe({ method: req.method, route: state.route, code: res.statusCode }, seconds);
      state.logger.debug(
        { method: req.method, route: state.route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    });

    void (async () => {
      const url = new URL(req.url ?? '/', 'http://kas.invalid');
      const malformed = malformedRequest(req, url);
      if (malformed) {
        state.route = 'malformed';
        return sendApiError(res, malformed, state);
      }
      try {
        state.principal = await options.authenticate(req);
      } catch (err) {
        state.authError = toApiError(err);
      }
      if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
        const procedure = url.pathname.slice('/trpc/'.length);
        state.route = procedure.includes(',') ? '/trpc/(batch)' : `/trpc/${procedure || '(none)'}`;
        const refused = batchRefusal(procedure, url.searchParams.get('batch') === '1');
        if (refused) return sendApiError(res, refused, state);
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBodyBytes) {
          res.setHeader('connection', 'close');
          return sendApiError(
            res,
            new ApiError(413, 'payload_too_large', 'request body is larger than 1 MiB'),
            state,
          );
        }
        return trpc(req, res);
      }
      if (url.pathname.startsWith(chartsPrefix) && (req.method === 'GET' || req.method === 'HEAD')) {
        state.route = `${chartsPrefix}:chart`;
        return await sendChart(res, options.agentkChart, url.pathname.slice(chartsPrefix.length), state);
      }
      if (url.pathname === restPrefix || url.pathname.startsWith(`${restPrefix}/`)) {
        return rest(req, res, state, url);
      }
      return sendJson(res, 404, {
        code: 'not_found',
        message: `nothing is served at ${url.pathname}; the API is at ${restPrefix} (see ${restPrefix}/openapi.json) and /trpc`,
      });
    })().catch((err: unknown) => {
      state.logger.error({ err }, 'console API request failed');
      sendApiError(res, toApiError(err), state);
    });
  });
  boundRejectedBodies(server, timeouts);
  return server;
}

async function sendChart(
  res: http.ServerResponse,
  charts: AgentkChartServer | undefined,
  fileName: string,
  state: RequestState,
): Promise<void> {
  const answer = charts
    ? await charts.get(fileName)
    : { kind: 'not_found' as const, message: 'this kas serves no charts' };
  if (answer.kind === 'not_found')
    return sendApiError(res, new ApiError(404, 'not_found', answer.message), state);
  res.writeHead(200, {
    'content-type': 'application/gzip',
    'content-length': answer.body.length,
    'content-disposition': `attachment; filename="${answer.fileName}"`,
    'cache-control': 'no-cache',
  });
  res.end(answer.body);
}

/**
 * Refusals that need no route: a path that is not valid percent-encoding (400, not a 500 from decoding it later),
 * and a body that is not declared as JSON (415). The latter is what stops login CSRF: a cross-site HTML form can
 * post text/plain or form bodies without a preflight, but never application/json.
 */
function malformedRequest(req: http.IncomingMessage, url: URL): ApiError | undefined {
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return new ApiError(
      400,
      'bad_request',
      `the request path ${JSON.stringify(url.pathname.slice(0, 200))} is not valid percent-encoding: every % must be followed by two hex digits of UTF-8`,
    );
  }
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (hasBody && type !== 'application/json') {
    return new ApiError(
      415,
      'unsupported_media_type',
      `request bodies must be JSON sent with Content-Type: application/json (got ${JSON.stringify(type || 'none')})`,
    );
  }
  return undefined;
}

/** A batch longer than TRPC_MAX_BATCH_SIZE, or one carrying a login, is refused before any call runs. */
function batchRefusal(procedures: string, batch: boolean): ApiError | undefined {
  if (!batch) return undefined;
  const names = procedures.split(',');
  if (names.length > TRPC_MAX_BATCH_SIZE) {
    return new ApiError(
      400,
      'bad_request',
      `a tRPC batch may carry at most ${TRPC_MAX_BATCH_SIZE} calls, this one has ${names.length}; split it (the console's batch link does)`,
    );
  }
  const alone = names.find((name) => TRPC_UNBATCHABLE.has(name));
  if (alone && names.length > 1) {
    return new ApiError(400, 'bad_request', `${alone} cannot be batched; send it as a request of its own`);
  }
  return undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
