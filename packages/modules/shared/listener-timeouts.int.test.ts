// Each limit of listener-timeouts.ts on a real socket, with small limits and waits on socket events (no clock read).
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundRejectedBodies, httpTimeoutOptions, type ListenerTimeouts } from './listener-timeouts';

const small: ListenerTimeouts = { headersMs: 200, rejectedBodyMs: 300, keepAliveMs: 200, firstCallMs: 200 };

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function start(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(httpTimeoutOptions(small, 0), handler);
  boundRejectedBodies(server, small);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

/** Opens a socket, writes `text`, resolves with everything received once the server closes it. */
function closedByServer(port: number, text: string, more?: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(text);
      more?.(socket);
    });
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    // A server that closes while the client is still writing answers the unread bytes with a TCP reset: that is
    // the close this helper waits for, not a failure.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
    );
    socket.on('close', () => resolve(received));
  });
}

describe('listener time limits', () => {
  it('closes a connection that sends nothing, and one that trickles its headers', async () => {
    const port = await start((_req, res) => res.end('ok'));
    expect(await closedByServer(port, '')).toMatch(/^HTTP\/1.1 408/);
    expect(await closedByServer(port, 'GET / HTTP/1.1\r\nHost: x\r\n')).toMatch(/^HTTP\/1.1 408/);
  });

  it('closes a keep-alive connection once idle', async () => {
    const port = await start((_req, res) => res.end('ok'));
    const received = await closedByServer(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1.1 200/);
  });

  it('closes a refused request whose body keeps trickling, but not an accepted streaming upload', async () => {
    const port = await start((req, res) => {
      if (req.headers.authorization !== 'ok') {
        res.writeHead(401).end('no');
        return;
      }
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(`got ${bytes}`));
    });
    let trickle: NodeJS.Timeout | undefined;
    const refused = await closedByServer(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n',
      (socket) => {
        trickle = setInterval(() => socket.write('a'), 20);
      },
    );
    clearInterval(trickle);
    expect(refused).toMatch(/^HTTP\/1.1 401/);

    // An accepted upload sent slowly over several times every limit is read to its end.
    const accepted = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', method: 'POST', headers: { authorization: 'ok' }, agent: false },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        req.write('b');
        if (++sent === 40) {
          clearInterval(timer);
          req.end();
        }
      }, 25);
    });
    expect(accepted).toBe('got 40');
  });

  it('leaves a long response (a watch) alone once its request is read', async () => {
    const port = await start((_req, res) => {
      res.writeHead(200);
      let n = 0;
      const timer = setInterval(() => {
        res.write(`event ${n}\n`);
        if (++n === 30) {
          clearInterval(timer);
          res.end();
        }
      }, 30);
    });
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(body.split('\n').filter(Boolean)).toHaveLength(30);
  });
});
