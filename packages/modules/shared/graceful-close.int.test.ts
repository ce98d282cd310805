// The drain of an HTTP listener on real sockets: HTTP/1.1 keep-alive clients get `Connection: close`, idle ones are
// closed once idle long enough, HTTP/2 clients get GOAWAY while their streams finish, upgrades and long streams
// outlive the idle timer, and what is still open at the end of the grace period is cut.
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from './certificates';
import { trackConnections } from './graceful-close';

const tls = generateSelfSignedTls(['127.0.0.1']);
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function listening<T extends http.Server | http2.Http2SecureServer>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => server.listening && server.close());
  return (server.address() as AddressInfo).port;
}

/** A request handler that answers when the test says so. */
function gated() {
  const waiting: Array<() => void> = [];
  let arrived: (() => void) | null = null;
  return {
    handler: (_req: unknown, res: { end(body: string): void }) => {
      waiting.push(() => res.end('done'));
      arrived?.();
    },
    arrived: () => new Promise<void>((resolve) => (arrived = resolve)),
    answerAll: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

function getH1(agent: http.Agent, port: number) {
  return new Promise<{ body: string; connection: string | undefined; socket: Socket }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ body, connection: res.headers.connection, socket: req.socket! }));
    });
    req.on('error', reject);
  });
}

describe('trackConnections / close', () => {
  it('HTTP/1.1: a request in flight finishes with Connection: close; the server then refuses new connections', async () => {
    const gate = gated();
    const server = http.createServer(gate.handler);
    const tracker = trackConnections(server, { idleCloseMs: 50 });
    const port = await listening(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const arrived = gate.arrived();
    const inFlight = getH1(agent, port);
    await arrived;
    const closed = tracker.close(10_000);
    expect(tracker.draining).toBe(true);
    gate.answerAll();
    const answer = await inFlight;
    expect(answer).toMatchObject({ body: 'done', connection: 'close' });
    await closed;
    const refused = http.get({ host: '127.0.0.1', port, agent: false });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('HTTP/1.1: a keep-alive connection used again during the drain gets Connection: close; an idle one is closed', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    // Long enough that the reused connection below is not idle that long; the idle one then is.
    const tracker = trackConnections(server, { idleCloseMs: 300 });
    const port = await listening(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    cleanups.push(() => agent.destroy());
    const [first, second] = await Promise.all([getH1(agent, port), getH1(agent, port)]);
    expect([first.connection, second.connection]).toEqual(['keep-alive', 'keep-alive']);
    expect(first.socket).not.toBe(second.socket);
    const closed = tracker.close(10_000);
    // The next request reuses a kept connection: answered, with Connection: close.
    const again = await getH1(agent, port);
    expect(again).toMatchObject({ body: 'ok', connection: 'close' });
    // The other kept connection, idle, is closed by the server: the client sees its end.
    const idle = again.socket === first.socket ? second.socket : first.socket;
    if (!idle.destroyed) await once(idle, 'close');
    await closed;
  });

  it('HTTP/2 (TLS, with HTTP/1.1 allowed): GOAWAY, the open stream finishes past the idle timer, then the session closes', async () => {
    const gate = gated();
    const server = http2.createSecureServer(
      { cert: tls.certPem, key: tls.keyPem, allowHTTP1: true },
      gate.handler,
    );
    const tracker = trackConnections(server, { idleCloseMs: 20 });
    const port = await listening(server);
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: tls.caPem });
    cleanups.push(() => session.destroy());
    const arrived = gate.arrived();
    const stream = session.request({ ':path': '/' });
    stream.setEncoding('utf8');
    let body = '';
    stream.on('data', (c: string) => (body += c));
    const ended = once(stream, 'end');
    await arrived;
    const goaway = once(session, 'goaway') as Promise<[number, number]>;
    const closed = tracker.close(10_000);
    const [code] = await goaway;
    expect(code).toBe(http2.constants.NGHTTP2_NO_ERROR);
    // Well past the idle timer: the stream is in flight, so its connection stays.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.closed).toBe(false);
    gate.answerAll();
    await ended;
    expect(body).toBe('done');
    await closed;
    expect(session.closed || session.destroyed).toBe(true);
  });

  it('an upgraded connection is not closed as idle; the grace period cuts it and what else is open', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const upgraded: Socket[] = [];
    server.on('upgrade', (_req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
      upgraded.push(socket);
    });
    const tracker = trackConnections(server, { idleCloseMs: 20 });
    const port = await listening(server);
    const req = http.request({
      host: '127.0.0.1',
      port,
      headers: { connection: 'upgrade', upgrade: 'test' },
      agent: false,
    });
    req.end();
    const [, client] = (await once(req, 'upgrade')) as [unknown, Socket];
    const clientClosed = once(client, 'close');
    const closed = tracker.close(400);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Past the idle timer and still open: bytes pass.
    upgraded[0]!.write('ping');
    const [chunk] = (await once(client, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('ping');
    // Resolving at all is the assertion that the grace period cut it (no clock read).
    await closed;
    await clientClosed;
  });
});
