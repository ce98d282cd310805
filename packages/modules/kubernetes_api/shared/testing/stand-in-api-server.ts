// A real HTTPS server standing in for kube-apiserver in unit tests (the integration battery uses the real one):
// it records what arrived, answers /echo with the request it saw, streams /slow-stream one event per releaseStreamEvent() call (the
// test decides the gaps, no timer), and
// answers an Upgrade on /upgrade with 101 and then echoes raw bytes in upper case.
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { generateSelfSignedTls } from '../../../shared/certificates';
import { kubeApiTargetFromKubeConfig, type KubeApiTarget } from '../../agent/kube-api-target';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StandInApiServer {
  url: string;
  seen: SeenRequest[];
  target: KubeApiTarget;
  /** Writes the next event of the open /slow-stream (`event 1`, `event 2`; the second ends the stream). */
  releaseStreamEvent(): void;
  close(): Promise<void>;
}

export async function startStandInApiServer(token = 'agent-sa-token'): Promise<StandInApiServer> {
  const tls = generateSelfSignedTls(['127.0.0.1']);
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const streamWaiters: Array<() => void> = [];
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url?.startsWith('/slow-stream')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const next = () => {
          res.write(`event ${n}\n`);
          if (++n === 3) res.end();
          else streamWaiters.push(next);
        };
        next();
        return;
      }
      if (req.url?.startsWith('/big')) {
        const size = Number(new URL(req.url, 'http://x').searchParams.get('bytes') ?? '0');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
        const block = Buffer.alloc(64 * 1024, 7);
        let left = size;
        const pump = () => {
          while (left > 0) {
            const part = block.subarray(0, Math.min(left, block.length));
            left -= part.length;
            if (!res.write(part)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      const status = req.url?.startsWith('/forbidden') ? 403 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    sockets.add(socket);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ' +
        (req.headers.upgrade ?? '') +
        '\r\nX-Stream-Protocol-Version: v5.channel.k8s.io\r\n\r\n',
    );
    if (head.length) socket.write(head.toString().toUpperCase());
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'c', server: url, caData: Buffer.from(tls.caPem).toString('base64'), skipTLSVerify: false },
    ],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const target = await kubeApiTargetFromKubeConfig(kc);
  return {
    url,
    seen,
    target,
    releaseStreamEvent() {
      const next = streamWaiters.shift();
      if (!next) throw new Error('no /slow-stream is waiting for an event');
      next();
    },
    async close() {
      target.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
