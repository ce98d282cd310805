// Finds out why a gRPC channel cannot connect: grpc-js keeps the cause to itself while calls wait for the channel
// (waitForReady), so this dials the same address once more with the same TLS settings and returns the error.
import net from 'node:net';
import tls from 'node:tls';

export interface ProbeTarget {
  /** grpc://host:port or grpcs://host:port */
  address: string;
  caPem?: Buffer | string | null;
  serverName?: string | null;
  timeoutMs?: number;
}

/** Resolves with the error a fresh connection fails with, or null when it connects (the problem is elsewhere). */
export function probeConnection(target: ProbeTarget): Promise<Error | null> {
  const url = new URL(target.address);
  const secure = url.protocol === 'grpcs:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 443 : 80));
  return new Promise((resolve) => {
    const socket = secure
      ? tls.connect({
          host,
          port,
          ALPNProtocols: ['h2'],
          ...(target.caPem ? { ca: target.caPem } : {}),
          ...(target.serverName
            ? {
                servername: target.serverName,
                checkServerIdentity: (_host: string, cert: tls.PeerCertificate) =>
                  tls.checkServerIdentity(target.serverName!, cert),
              }
            : net.isIP(host)
              ? {}
              : { servername: host }),
        })
      : net.connect({ host, port });
    const settle = (error: Error | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(target.timeoutMs ?? 10_000, () =>
      settle(Object.assign(new Error(`connect ETIMEDOUT ${host}:${port}`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', settle);
    socket.once(secure ? 'secureConnect' : 'connect', () => settle(null));
  });
}
