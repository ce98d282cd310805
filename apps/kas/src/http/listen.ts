import http from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import {
  connectionTrackerOf,
  type DrainableServer,
  trackConnections,
} from '@mooring/modules/shared/graceful-close';

/**
 * Listens on host:port (0 picks a free port) and resolves with the port actually bound. An HTTP server's connections
 * are tracked from here on, so closeGracefully knows which are idle.
 */
export function listen(server: Server, host: string, port: number): Promise<number> {
  if (server instanceof http.Server) trackConnections(server);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new Error(`port ${port} on ${host} is already in use; pick another port or set it to 0`, {
            cause: err,
          }),
        );
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Graceful close (kas's drain): stop accepting, answer keep-alive clients with `Connection: close` (HTTP/1.1) or
 * GOAWAY (HTTP/2), let in-flight requests finish, close connections once idle, and cut whatever is still open after
 * `graceMs` (packages/modules/shared/graceful-close.ts).
 */
export function closeGracefully(server: DrainableServer, graceMs = 10_000): Promise<void> {
  return connectionTrackerOf(server).close(graceMs);
}

/** `http://host:port`, with IPv6 hosts bracketed. */
export function httpUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
