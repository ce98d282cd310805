// Graceful close of an HTTP listener (kas's drain, docs/operate.md "Stopping kas"): stop accepting, tell keep-alive
// clients to go elsewhere, let requests in flight finish within a grace period, then cut what is left.
//
// - HTTP/1.1: every response from then on carries `Connection: close` (a client reading it opens its next
//   connection, through the load balancer, to another replica). A connection closes once idle for `idleCloseMs`, not
//   at once: Node's own http.Server.close() drops idle keep-alive connections immediately, and a client that is
//   sending its next request on one at that moment gets a reset it cannot tell from a failure.
// - HTTP/2: GOAWAY twice, as nghttp2's shutdown notice: first with the largest stream id (no new streams, please),
//   then, after a ping's round trip and at least a second, with the last stream kas saw, so a stream the client
//   sent meanwhile is served, not refused.
// - Upgraded connections (exec, port-forward) are requests in flight: they keep going until they end or the grace
//   period does.
import http, { type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import http2, { type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import { Server as NetServer, type Socket } from 'node:net';
import { Server as TlsServer, type TLSSocket } from 'node:tls';

export type DrainableServer = HttpServer | Http2SecureServer | Http2Server;

/** How long an HTTP/1.1 connection must be idle during a drain before it is closed (see the file's comment). */
export const DRAIN_IDLE_CLOSE_MS = 1_000;
const SWEEP_MS = 100;
/** The first GOAWAY: "no new streams"; the second one names the last stream kas will serve. */
const SHUTDOWN_NOTICE_STREAM_ID = 2 ** 31 - 1;
/** An HTTP/2 client that does not answer the ping gets the final GOAWAY after this long anyway. */
const PING_WAIT_MS = 2_000;
/** The final GOAWAY comes no sooner than this after the notice. */
const FINAL_GOAWAY_DELAY_MS = 1_000;

export interface ConnectionTracker {
  /** True once close() was called. */
  readonly draining: boolean;
  /** Open client connections (HTTP/1.1, HTTP/2, upgraded), for logs. */
  connections(): number;
  /**
   * Stops accepting and drains (see the file's comment); after `graceMs` the connections still open are cut.
   * Resolves once every connection is closed. Called again, returns the same promise.
   */
  close(graceMs: number): Promise<void>;
}

interface ConnectionState {
  /** Requests whose response has not closed yet. */
  active: number;
  idleSince: number;
  /** HTTP/2 (its session drains it) or upgraded (in flight until it ends): never closed as idle. */
  exempt: boolean;
}

const trackers = new WeakMap<object, ConnectionTracker>();

/**
 * Tracks the server's connections so close() knows which are idle. Attach it after the server's request and upgrade
 * listeners are registered and before it listens (kas's listen() does); attaching twice returns the first tracker.
 */
export function trackConnections(
  server: DrainableServer,
  options: { idleCloseMs?: number; now?: () => number } = {},
): ConnectionTracker {
  const existing = trackers.get(server);
  if (existing) return existing;
  const idleCloseMs = options.idleCloseMs ?? DRAIN_IDLE_CLOSE_MS;
  const now = options.now ?? (() => performance.now());
  /** Connections as requests see them: TLS sockets on a TLS server, TCP sockets otherwise. */
  const connections = new Map<Socket, ConnectionState>();
  /** TCP sockets, to cut at the end (a TLS socket's TCP socket may not have finished its handshake yet). */
  const tcpSockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  /** HTTP/1.1 responses whose head is not written yet: they get `Connection: close` when the drain starts. */
  const unsentHeads = new Set<ServerResponse>();
  let closing: Promise<void> | null = null;

  const stateOf = (socket: Socket) => {
    let state = connections.get(socket);
    if (!state) {
      state = { active: 0, idleSince: now(), exempt: false };
      connections.set(socket, state);
      socket.once('close', () => connections.delete(socket));
    }
    return state;
  };
  const track = (socket: Socket) => void stateOf(socket);
  const isHttp1Server = server instanceof http.Server;
  server.on('connection', (socket: Socket) => {
    tcpSockets.add(socket);
    socket.once('close', () => tcpSockets.delete(socket));
    // A plain HTTP/2 server's connections are all sessions; a TLS server's are tracked once ALPN chose.
    if (isHttp1Server) track(socket);
    else if (!(server instanceof TlsServer)) stateOf(socket).exempt = true;
  });
  // By ALPN, not by the 'session' event: a session's `socket` is a proxy object, not the TLS socket requests see.
  if (server instanceof TlsServer)
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') stateOf(socket).exempt = true;
      else track(socket);
    });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (closing) goAway(session);
  });
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.httpVersionMajor >= 2) return;
    const state = stateOf(req.socket);
    state.active++;
    if (closing) res.shouldKeepAlive = false;
    else unsentHeads.add(res);
    res.once('close', () => {
      unsentHeads.delete(res);
      state.active--;
      state.idleSince = now();
    });
  });
  // Only a server that handles upgrades gets this listener: with any 'upgrade' listener Node hands upgrades over.
  if (server.listenerCount('upgrade') > 0)
    server.prependListener('upgrade', (req: IncomingMessage) => void (stateOf(req.socket).exempt = true));

  const tracker: ConnectionTracker = {
    get draining() {
      return closing !== null;
    },
    connections: () => connections.size,
    close(graceMs) {
      closing ??= new Promise<void>((resolve) => {
        for (const res of unsentHeads) if (!res.headersSent) res.shouldKeepAlive = false;
        unsentHeads.clear();
        for (const session of sessions) goAway(session);
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearInterval(sweep);
          clearTimeout(cutTimer);
          resolve();
        };
        const sweep = setInterval(() => {
          for (const [socket, state] of connections)
            if (!state.exempt && state.active === 0 && now() - state.idleSince >= idleCloseMs) {
              connections.delete(socket);
              socket.destroySoon();
            }
          if (!server.listening && tcpSockets.size === 0) finish();
        }, SWEEP_MS);
        sweep.unref();
        const cutTimer = setTimeout(() => {
          for (const session of sessions) session.destroy();
          for (const socket of tcpSockets) socket.destroy();
          // Connections opened before the tracker was attached are unknown to it; Node knows HTTP/1.1 ones.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          if (!server.listening) finish();
        }, graceMs);
        cutTimer.unref();
        // net.Server's close (not http.Server's, which drops idle keep-alive connections at once): stops accepting;
        // its callback runs once every connection has closed.
        if (server.listening) NetServer.prototype.close.call(server, finish);
      });
      return closing;
    },
  };
  trackers.set(server, tracker);
  return tracker;

  function goAway(session: Http2Session): void {
    if (session.closed || session.destroyed) return;
    try {
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, SHUTDOWN_NOTICE_STREAM_ID);
    } catch {
      session.destroy();
      return;
    }
    // The final GOAWAY once the ping came back and the client had time to act on the notice: a client's stack may
    // send its ping answer ahead of requests it had queued (nghttp2 sends PING before new streams), so the ping
    // alone is no barrier. A stream that still crosses it is refused (REFUSED_STREAM: never processed, safe to retry).
    let acked = false;
    let waited = false;
    const final = () => {
      if (!acked || !waited) return;
      clearTimeout(pingTimer);
      if (!session.closed && !session.destroyed) session.close();
    };
    const pingTimer = setTimeout(() => {
      acked = true;
      final();
    }, PING_WAIT_MS);
    pingTimer.unref();
    setTimeout(() => {
      waited = true;
      final();
    }, FINAL_GOAWAY_DELAY_MS).unref();
    const onAck = () => {
      acked = true;
      final();
    };
    if (!session.ping(onAck)) onAck();
  }
}

/** The tracker attached to `server`, or one attached now (connections already open are then cut only at the end). */
export function connectionTrackerOf(server: DrainableServer): ConnectionTracker {
  return trackers.get(server) ?? trackConnections(server);
}
