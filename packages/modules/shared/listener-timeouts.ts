// Socket time limits every listener applies (kas's agent, observability, console API and proxy ports, the console,
// agentk's observability port): a client that trickles headers, trickles a body after being refused, idles on a
// keep-alive connection or never completes a TLS handshake / gRPC call must not hold a socket forever.
// Long-lived answers (watches, logs -f, SSE) and upgraded connections are not limited: once the request is read,
// nothing here times the response.
import type { Server as HttpServer, IncomingMessage, ServerOptions } from 'node:http';

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
 * body is incomplete, the body must end within `rejectedBodyMs` or the connection is closed. (Node keeps reading
 * and discarding such a body to reuse the connection; a client trickling it would hold the socket forever.)
 */
export function boundRejectedBodies(server: HttpServer, timeouts: ListenerTimeouts): void {
  server.on('request', (req: IncomingMessage, res) => {
    res.once('finish', () => {
      if (res.statusCode < 400 || req.complete) return;
      const socket = req.socket;
      const timer = setTimeout(() => socket.destroy(), timeouts.rejectedBodyMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      req.once('end', clear);
      socket.once('close', clear);
      req.resume();
    });
  });
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
