// A node:http2 client for tests of the proxy listener: one session (one TLS connection, ALPN h2) that several
// requests share, as kubectl's HTTP/2 transport does.
import http2 from 'node:http2';

export interface Http2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  /** The RST_STREAM code when the stream was reset (0 when it ended normally). */
  rstCode: number;
}

export interface Http2Client {
  session: http2.ClientHttp2Session;
  /** `path` is absolute (`/k8s-proxy/api`); resolves once the stream closed, however it ended. */
  request(
    path: string,
    options?: { method?: string; headers?: http2.OutgoingHttpHeaders; body?: string | Buffer },
  ): Promise<Http2Answer>;
  close(): Promise<void>;
}

/** Connects to the origin of `url` (e.g. the proxy's URL) trusting `ca`, and waits for the server's settings. */
export async function connectHttp2(url: string, ca: string | null): Promise<Http2Client> {
  const session = http2.connect(new URL(url).origin, { ca: ca ?? undefined });
  session.on('error', () => undefined);
  // Resolved once the server's SETTINGS arrived, so remoteSettings hold its limits.
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
  });
  return {
    session,
    request(path, options = {}) {
      return new Promise((resolve) => {
        const stream = session.request({
          ':method': options.method ?? 'GET',
          ':path': path,
          ...options.headers,
        });
        let status = 0;
        let headers: http2.IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        stream.on('response', (h) => {
          headers = h;
          status = Number(h[':status']);
        });
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', () => undefined);
        stream.on('close', () =>
          resolve({ status, headers, body: Buffer.concat(chunks).toString(), rstCode: stream.rstCode ?? 0 }),
        );
        stream.end(options.body);
      });
    },
    close: () => new Promise<void>((resolve) => session.close(() => resolve())),
  };
}
