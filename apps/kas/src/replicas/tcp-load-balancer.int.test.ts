// The TCP load balancer on real sockets: two "replicas", each a TCP service that prefixes what it echoes with its
// name and a /readyz the test turns on and off.
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpLoadBalancer, type TcpLoadBalancer } from './tcp-load-balancer';

interface FakeReplica {
  name: string;
  ready: boolean;
  echo: net.Server;
  readyz: http.Server;
  echoPort: number;
  readyzPort: number;
  /** Connections the echo service accepted. */
  accepted: number;
  /** /readyz checks that arrive while this is above 0 get no answer (each takes one). */
  hang: number;
  /** Emits 'check' on each /readyz request. */
  checks: EventEmitter;
}

const started: Array<{ close(): void }> = [];
let lb: TcpLoadBalancer | undefined;

afterEach(async () => {
  await lb?.stop();
  lb = undefined;
  for (const s of started.splice(0)) s.close();
});

async function fakeReplica(name: string): Promise<FakeReplica> {
  const replica = { name, ready: true, accepted: 0, hang: 0, checks: new EventEmitter() } as FakeReplica;
  replica.echo = net.createServer({ allowHalfOpen: true }, (socket) => {
    replica.accepted++;
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
    // Half-close: the client's end is answered with a last line, then this side ends too.
    socket.on('end', () => socket.end(`${name}:bye`));
    socket.on('error', () => socket.destroy());
  });
  replica.readyz = http.createServer((_req, res) => {
    replica.checks.emit('check');
    if (replica.hang > 0) {
      replica.hang--;
      return;
    }
    res.writeHead(replica.ready ? 200 : 503).end(replica.ready ? 'ok\n' : 'shutting down\n');
  });
  for (const server of [replica.echo, replica.readyz]) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    started.push({ close: () => server.close() });
  }
  replica.echoPort = (replica.echo.address() as net.AddressInfo).port;
  replica.readyzPort = (replica.readyz.address() as net.AddressInfo).port;
  return replica;
}

async function startBalancer(replicas: FakeReplica[]): Promise<TcpLoadBalancer> {
  lb = await startTcpLoadBalancer(
    { services: { echo: 0 }, healthIntervalMs: 20, healthTimeoutMs: 500 },
    replicas.map((r) => ({
      name: r.name,
      ports: { echo: r.echoPort },
      readyzUrl: `http://127.0.0.1:${r.readyzPort}/readyz`,
    })),
  );
  await waitFor(lb, (s) => replicas.every((r) => s.find((x) => x.name === r.name)?.ready));
  return lb;
}

/** Resolves once the balancer's status satisfies `ok`, checked on each readiness event. */
async function waitFor(
  balancer: TcpLoadBalancer,
  ok: (status: ReturnType<TcpLoadBalancer['status']>) => unknown,
): Promise<void> {
  while (!ok(balancer.status())) await once(balancer, 'readiness');
}

/** A client connection through the balancer: `say` writes a line and resolves with the answer. */
async function connect(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  return {
    socket,
    say: async (line: string) => {
      const answer = once(socket, 'data') as Promise<[string]>;
      socket.write(line);
      return (await answer)[0];
    },
  };
}

describe('TCP load balancer', () => {
  it('keeps a replica whose /readyz answered late once, and drops one that keeps not answering', async () => {
    const a = await fakeReplica('a');
    const balancer = await startBalancer([a]);
    const turned: boolean[] = [];
    balancer.on('readiness', (status) => turned.push(status.ready));
    // One check gets no answer (it times out), the next ones answer: still ready, no readiness event.
    a.hang = 1;
    for (let answered = 0; answered < 3;) {
      await once(a.checks, 'check');
      if (a.hang === 0) answered++;
    }
    expect(turned).toEqual([]);
    expect(balancer.status()[0]?.ready).toBe(true);
    // Every check unanswered: not ready after the second timeout in a row, with the reason.
    a.hang = Number.POSITIVE_INFINITY;
    await waitFor(balancer, (s) => s[0]?.ready === false);
    expect(balancer.status()[0]?.reason).toContain('no answer within 500 ms');
    a.hang = 0;
    await waitFor(balancer, (s) => s[0]?.ready === true);
  });

  it('sends connections round robin to the ready replicas, bytes both ways', async () => {
    const a = await fakeReplica('a');
    const b = await fakeReplica('b');
    const balancer = await startBalancer([a, b]);
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await connect(balancer.ports.echo!);
      answers.push(await c.say('hi'));
      c.socket.destroy();
    }
    expect(answers.sort()).toEqual(['a:hi', 'a:hi', 'b:hi', 'b:hi']);
    expect(balancer.status().map((s) => s.forwarded.echo)).toEqual([2, 2]);
  });

  it('sends no new connections to a replica that turned not ready, and keeps its open ones', async () => {
    const a = await fakeReplica('a');
    const b = await fakeReplica('b');
    const balancer = await startBalancer([a, b]);
    // One connection to each: the first goes to a, the second to b.
    const first = await connect(balancer.ports.echo!);
    const second = await connect(balancer.ports.echo!);
    const onA = (await first.say('x')).startsWith('a:') ? first : second;
    a.ready = false;
    await waitFor(balancer, (s) => s.find((r) => r.name === 'a')?.ready === false);
    expect(balancer.status().find((r) => r.name === 'a')?.reason).toContain('503');
    const acceptedByA = a.accepted;
    for (let i = 0; i < 4; i++) {
      const c = await connect(balancer.ports.echo!);
      expect(await c.say('new')).toBe('b:new');
      c.socket.destroy();
    }
    expect(a.accepted).toBe(acceptedByA);
    // The connection a holds still works.
    expect(await onA.say('still')).toBe('a:still');
    a.ready = true;
    await waitFor(balancer, (s) => s.find((r) => r.name === 'a')?.ready);
    first.socket.destroy();
    second.socket.destroy();
  });

  it('tries the next ready replica when one refuses the connection', async () => {
    const a = await fakeReplica('a');
    const b = await fakeReplica('b');
    const balancer = await startBalancer([a, b]);
    // a closes its listener but still answers /readyz 200 (a drain the checks have not seen yet).
    await new Promise<void>((resolve) => a.echo.close(() => resolve()));
    for (let i = 0; i < 4; i++) {
      const c = await connect(balancer.ports.echo!);
      expect(await c.say('hello')).toBe('b:hello');
      c.socket.destroy();
    }
  });

  it('replays to the next ready replica what the client sent when one resets the connection before answering', async () => {
    const a = await fakeReplica('a');
    const b = await fakeReplica('b');
    const balancer = await startBalancer([a, b]);
    // a accepts and resets at once, as a stopping kas does with connections still in its accept queue.
    a.echo.removeAllListeners('connection');
    a.echo.on('connection', (socket: net.Socket) => socket.resetAndDestroy());
    for (let i = 0; i < 4; i++) {
      const c = await connect(balancer.ports.echo!);
      expect(await c.say(`hello ${i}`)).toBe(`b:hello ${i}`);
      c.socket.destroy();
    }
  });

  it('passes a half-close on and refuses clients when no replica is ready', async () => {
    const a = await fakeReplica('a');
    const balancer = await startBalancer([a]);
    const c = await connect(balancer.ports.echo!);
    const rest: string[] = [];
    c.socket.on('data', (chunk: string) => rest.push(chunk));
    c.socket.end();
    await once(c.socket, 'end');
    expect(rest.join('')).toBe('a:bye');
    a.ready = false;
    await waitFor(balancer, (s) => !s[0]!.ready);
    const refused = net.connect({ port: balancer.ports.echo!, host: '127.0.0.1' });
    refused.on('error', () => {});
    await once(refused, 'close');
    expect(a.accepted).toBe(1);
  });

  it('stop closes its listeners and every forwarded connection', async () => {
    const a = await fakeReplica('a');
    const balancer = await startBalancer([a]);
    const c = await connect(balancer.ports.echo!);
    expect(await c.say('x')).toBe('a:x');
    const closed = once(c.socket, 'end');
    await balancer.stop();
    await closed;
    const after = net.connect({ port: balancer.ports.echo!, host: '127.0.0.1' });
    const [error] = (await once(after, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
