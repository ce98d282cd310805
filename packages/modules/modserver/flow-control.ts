// HTTP/2 flow-control window of kas's gRPC server. grpc-js's Server has no option for it (its client has
// `grpc-node.flow_control_window`), and with the 64 KiB default a tunnel carrying a port-forward or a log stream from
// agentk stalls every 64 KiB until kas's WINDOW_UPDATE comes back: the round trips, not the bytes, set the speed.
// The window is an allowance, not a buffer: nothing is allocated until a peer actually sends.
import type { Server } from '@grpc/grpc-js';
import type { Http2Server, Http2Session, ServerOptions } from 'node:http2';
import type { Socket } from 'node:net';

/** Per-stream receive window kas announces to agentk. */
export const AGENT_API_STREAM_WINDOW = 4 * 1024 * 1024;
/**
 * Per-connection receive window: larger than a stream's, so a few tunnels paused by slow clients (their windows
 * full) do not stall the other tunnels sharing the agent's connection.
 */
export const AGENT_API_CONNECTION_WINDOW = 16 * 1024 * 1024;

interface ServerInternals {
  commonServerOptions?: ServerOptions;
  http2Servers?: Map<Http2Server, unknown>;
}

/** Call before bindAsync: every HTTP/2 server grpc-js creates then announces `bytes` as its stream window. */
export function setStreamWindow(server: Server, bytes: number): void {
  const internals = server as unknown as ServerInternals;
  if (!internals.commonServerOptions) return;
  internals.commonServerOptions.settings = {
    ...internals.commonServerOptions.settings,
    initialWindowSize: bytes,
  };
}

/** Call after bindAsync: widens each new session's connection window (the stream window alone is capped by it). */
export function setConnectionWindow(server: Server, bytes: number): void {
  const internals = server as unknown as ServerInternals;
  for (const http2Server of internals.http2Servers?.keys() ?? []) {
    http2Server.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(bytes);
      } catch {
        // A session that closed at once has no window to widen.
      }
    });
  }
}

/**
 * Call after bindAsync: Nagle off on every connection the server accepts. grpc-js turns it off on its client's
 * sockets but leaves it on for its server's, so a frame written while the previous one is still unacknowledged waits
 * for the peer's delayed ACK (~40 ms on Linux). A call whose frames all leave in one batch never notices; frames that
 * leave one at a time (a routed call's, reaching the router one gRPC message at a time) would. The proxy listener had
 * the same trap and showed it: 44 ms added to every routed GET (bench/replicas) until its sockets turned Nagle off.
 */
export function disableNagle(server: Server): void {
  const internals = server as unknown as ServerInternals;
  for (const http2Server of internals.http2Servers?.keys() ?? []) {
    http2Server.prependListener('connection', (socket: Socket) => socket.setNoDelay(true));
  }
}
