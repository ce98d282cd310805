// Socket time limits every listener applies (kas's agent, observability, console API and proxy ports, the console,
// agentk's observability port): a client that trickles headers, trickles a body after being refused, idles on a
// keep-alive connection or never completes a TLS handshake / gRPC call must not hold a socket forever.
// Long-lived answers (watches, logs -f, SSE) and upgraded connections are not limited: once the request is read,
// nothing here times the response.
import type { Server as HttpServer, IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type {
  Http2SecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  ServerHttp2Session,
} from 'node:http2';

export interface ListenerTimeouts {
  /** Request headers must arrive within this (also bounds a connection that sends nothing at all). */
  headersMs: number;
  /** After a 4xx/5xx answer, the rest of the request body must arrive within this. */
  rejectedBodyMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** TLS handshake, or (gRPC) the first call, within this. */
  firstCallMs: number;
}

export const DEFAULT_LISTENER_TIMEOUTS: ListenerTimeouts = {
  headersMs: 10_000,
  rejectedBodyMs: 30_000,
  keepAliveMs: 60_000,
  firstCallMs: 20_000,
};

/** The timeouts as kas's settings carry them (apps/kas/src/config.ts). */
export interface ListenerTimeoutSettings {
  headersTimeoutMs?: number;
  rejectedBodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  firstCallTimeoutMs?: number;
}

export function listenerTimeoutsFrom(config: ListenerTimeoutSettings): ListenerTimeouts {
  return {
    headersMs: config.headersTimeoutMs ?? DEFAULT_LISTENER_TIMEOUTS.headersMs,
    rejectedBodyMs: config.rejectedBodyTimeoutMs ?? DEFAULT_LISTENER_TIMEOUTS.rejectedBodyMs,
    keepAliveMs: config.keepAliveTimeoutMs ?? DEFAULT_LISTENER_TIMEOUTS.keepAliveMs,
    firstCallMs: config.firstCallTimeoutMs ?? DEFAULT_LISTENER_TIMEOUTS.firstCallMs,
  };
}

/**
 * Options for http.createServer / https.createServer. `requestMs` bounds reading a whole request (headers and body);
 * 0 (the default) leaves bodies of accepted requests unbounded, for streamed uploads through the proxy.
 * Node checks header and request deadlines on a timer (30 s by default); it runs often enough here that a
 * deadline is enforced within a fraction of itself.
 */
export function httpTimeoutOptions(
  timeouts: ListenerTimeouts,
  requestMs = 0,
): Pick<
  ServerOptions,
  'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'connectionsCheckingInterval'
> & { handshakeTimeout: number } {
  const shortest = Math.min(timeouts.headersMs, requestMs || Infinity);
  return {
    // Node requires headersTimeout <= requestTimeout when the latter is set.
    headersTimeout: requestMs ? Math.min(timeouts.headersMs, requestMs) : timeouts.headersMs,
    requestTimeout: requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(shortest / 4))),
    // https only: a TLS handshake must complete within this.
    handshakeTimeout: timeouts.firstCallMs,
  };
}

/**
 * Bounds the body a client still sends after it was refused: once a 4xx/5xx answer is written while the request
 * body is incomplete, the body must end within `rejectedBodyMs` or the connection (HTTP/2: the stream) is closed. (Node keeps reading
 * and discarding such a body to reuse the connection; a client trickling it would hold the socket forever.)
 */
export function boundRejectedBodies(
  server: HttpServer | Http2SecureServer,
  timeouts: ListenerTimeouts,
): void {
  (server as HttpServer).on(
    'request',
    (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
      // HTTP/2: the answer is written once its stream's writable side finishes (Node's response emits 'finish' only
      // when the whole stream closes, i.e. after the body), and req.socket stands for that stream: destroying it
      // resets the stream (NO_ERROR: the answer is complete, stop sending), not the connection others share.
      const written = 'stream' in res ? res.stream : res;
      written.once('finish', () => {
        if (res.statusCode < 400 || req.complete) return;
        const socket = req.socket;
        const timer = setTimeout(() => socket.destroy(), timeouts.rejectedBodyMs);
        timer.unref();
        const clear = () => clearTimeout(timer);
        req.once('end', clear);
        socket.once('close', clear);
        req.resume();
      });
    },
  );
}

/**
 * The same limits on an HTTP/2 server that also serves HTTP/1.1 (`allowHTTP1`). Node's HTTP/2 server ignores http's
 * timeout options and keeps its own defaults for its HTTP/1.1 connections (headers 60 s, no keep-alive limit), so
 * they are set as properties here, before `listen` (the connection checker starts then). Pass `handshakeTimeout`
 * from `httpTimeoutOptions` to `createSecureServer` yourself. An HTTP/2 connection (session) is limited by the
 * streams it has open, not by its bytes (a quiet watch keeps it, client PINGs do not): it must open its first
 * stream within `firstCallMs` and is closed (GOAWAY) once it has had no open stream for `keepAliveMs`.
 */
export function boundHttp2Server(server: Http2SecureServer, timeouts: ListenerTimeouts, requestMs = 0): void {
  const http1 = httpTimeoutOptions(timeouts, requestMs);
  Object.assign(server, {
    headersTimeout: http1.headersTimeout,
    requestTimeout: http1.requestTimeout,
    keepAliveTimeout: http1.keepAliveTimeout,
    connectionsCheckingInterval: http1.connectionsCheckingInterval,
    // As http's server: an HTTP/1.1 request without Host is answered 400.
    requireHostHeader: true,
  });
  server.setTimeout(0);
  server.on('session', (session: ServerHttp2Session) => boundSessionIdle(session, timeouts));
}

function boundSessionIdle(session: ServerHttp2Session, timeouts: ListenerTimeouts): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(() => session.close(), ms);
    timer.unref();
  };
  arm(timeouts.firstCallMs);
  session.on('stream', (stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.closed && !session.destroyed) arm(timeouts.keepAliveMs);
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/** gRPC server options: a connection with no call in flight for `firstCallMs` is closed (grpc-js's idle limit). */
export function grpcIdleOptions(timeouts: ListenerTimeouts): { 'grpc.max_connection_idle_ms': number } {
  return { 'grpc.max_connection_idle_ms': timeouts.firstCallMs };
}

/**
 * grpc-js creates its TLS server without a handshake timeout option (Node's default is 120 s) and its idle limit
 * starts only once the HTTP/2 session exists, so a client stalling the TLS handshake is cut here. Node keeps the
 * limit on the server under a symbol read at each connection; call after bindAsync, when the servers exist.
 */
export function boundGrpcHandshakes(grpcServer: object, timeouts: ListenerTimeouts): void {
  const servers = (grpcServer as { http2Servers?: Map<object, unknown> }).http2Servers;
  for (const server of servers?.keys() ?? []) {
    const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'handshake-timeout');
    if (key) (server as Record<symbol, unknown>)[key] = timeouts.firstCallMs;
  }
}
