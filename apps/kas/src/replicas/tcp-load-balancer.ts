// A small TCP load balancer for local multi-replica runs and their tests (docs/operate.md "Several replicas"): one
// port per service (agent API, proxy, console API), each connection forwarded as raw bytes (TLS passes through) to
// the next ready replica, round robin. A replica is ready while its /readyz answers 200; it is asked every
// `healthIntervalMs`, one check at a time, each bounded by `healthTimeoutMs`. A replica that turns not ready (a
// drain) gets no new connections and keeps the ones it has: kas itself tells their clients to go (GOAWAY,
// `Connection: close`). A connection a replica refuses or resets before its first byte (it closed its listener
// before the next check) is tried on the next ready replica.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { z } from 'zod';

/** What a client may send before the replica's first byte and still be replayed to another replica. */
const MAX_REPLAY_BYTES = 64 * 1024;

export interface LoadBalancerReplica {
  /** Shown in logs and status, e.g. "kas-1". */
  name: string;
  /** Where the replica's services listen, by service name (the same names as the balancer's `services`). */
  ports: Record<string, number>;
  /** e.g. http://127.0.0.1:8151/readyz */
  readyzUrl: string;
  /** Default 127.0.0.1. */
  host?: string;
}

const optionsSchema = z.object({
  /** The services to balance, each with the port it listens on (0 picks a free one). */
  services: z.record(z.string().min(1), z.number().int().min(0).max(65_535)),
  host: z.string().min(1).default('127.0.0.1'),
  healthIntervalMs: z.number().int().min(10).max(60_000).default(500),
  healthTimeoutMs: z.number().int().min(10).max(60_000).default(1_000),
  /**
   * Checks in a row that time out before a ready replica counts as not ready. A busy replica on a loaded machine
   * answers late now and then (once, in a test on 2 cores, all three at the same moment); a 503 or a refused
   * connection still counts at once — that is a drain or a dead process.
   */
  timeoutsBeforeNotReady: z.number().int().min(1).max(10).default(2),
  connectTimeoutMs: z.number().int().min(10).max(60_000).default(5_000),
  /** Try the next replica when one closes a connection before its first byte (see forward()). */
  failoverBeforeAnswer: z.boolean().default(true),
  /** Client connections per service at once; more are refused (the balancer's memory is bounded by it). */
  maxConnections: z.number().int().min(1).max(100_000).default(10_000),
});

export type LoadBalancerOptions = z.input<typeof optionsSchema>;

export interface ReplicaStatus {
  name: string;
  ready: boolean;
  /** Why it is not ready: the /readyz answer or the error. */
  reason: string;
  /** Connections forwarded to it that are still open, by service. */
  connections: Record<string, number>;
  /** Connections ever forwarded to it, by service. */
  forwarded: Record<string, number>;
}

export interface LoadBalancerEvents {
  /** A replica turned ready or not ready (a check's answer differed from the one before). */
  readiness: [status: { name: string; ready: boolean; reason: string }];
}

export interface TcpLoadBalancer extends EventEmitter<LoadBalancerEvents> {
  /** The port each service listens on. */
  readonly ports: Record<string, number>;
  readonly host: string;
  status(): ReplicaStatus[];
  /** Adds a replica (not ready until its first check answers 200). */
  addReplica(replica: LoadBalancerReplica): void;
  /** Stops checking a replica and sends it no new connections; its open connections stay. */
  removeReplica(name: string): void;
  /** Closes the listeners and every forwarded connection; stops the checks. */
  stop(): Promise<void>;
}

interface Replica {
  spec: LoadBalancerReplica;
  ready: boolean;
  reason: string;
  checking: boolean;
  /** Checks in a row that timed out. */
  timeouts: number;
  connections: Record<string, number>;
  forwarded: Record<string, number>;
}

export async function startTcpLoadBalancer(
  options: LoadBalancerOptions,
  replicas: readonly LoadBalancerReplica[] = [],
): Promise<TcpLoadBalancer> {
  const o = optionsSchema.parse(options);
  const services = Object.keys(o.services);
  const byName = new Map<string, Replica>();
  const order: Replica[] = [];
  const nextIndex = new Map<string, number>(services.map((s) => [s, 0]));
  const open = new Set<net.Socket>();
  const servers = new Map<string, net.Server>();
  const ports: Record<string, number> = {};
  let stopped = false;
  const emitter = new EventEmitter<LoadBalancerEvents>();

  const addReplica = (spec: LoadBalancerReplica) => {
    if (byName.has(spec.name)) throw new Error(`the load balancer already has a replica named ${spec.name}`);
    for (const service of services)
      if (spec.ports[service] === undefined)
        throw new Error(`replica ${spec.name} has no port for the ${service} service`);
    const zero = () => Object.fromEntries(services.map((s) => [s, 0]));
    const replica: Replica = {
      spec,
      ready: false,
      reason: 'not checked yet',
      checking: false,
      timeouts: 0,
      connections: zero(),
      forwarded: zero(),
    };
    byName.set(spec.name, replica);
    order.push(replica);
    check(replica);
  };

  function check(replica: Replica): void {
    if (replica.checking || stopped || !byName.has(replica.spec.name)) return;
    replica.checking = true;
    const settle = (ready: boolean, reason: string, timedOut = false) => {
      if (!replica.checking) return;
      replica.checking = false;
      if (stopped) return;
      replica.timeouts = timedOut ? replica.timeouts + 1 : 0;
      if (timedOut && replica.ready && replica.timeouts < o.timeoutsBeforeNotReady) return;
      const changed = ready !== replica.ready;
      replica.ready = ready;
      replica.reason = reason;
      if (changed) emitter.emit('readiness', { name: replica.spec.name, ready, reason });
    };
    // No keep-alive: a check is one short connection, never one a drained replica's listener has to close.
    const req = http.get(replica.spec.readyzUrl, { timeout: o.healthTimeoutMs, agent: false }, (res) => {
      // Only the status counts; the body (kas's check lines) is read for the reason, bounded.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 1024) body += chunk;
      });
      res.on('end', () =>
        settle(
          res.statusCode === 200,
          res.statusCode === 200 ? 'ready' : `/readyz ${res.statusCode}: ${body.trim().slice(0, 200)}`,
        ),
      );
      res.on('error', (error) => settle(false, `/readyz: ${error.message}`, timedOut));
    });
    let timedOut = false;
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${o.healthTimeoutMs} ms`));
    });
    req.on('error', (error) => settle(false, `/readyz: ${error.message}`, timedOut));
  }

  const healthTimer = setInterval(() => {
    for (const replica of order) check(replica);
  }, o.healthIntervalMs);
  healthTimer.unref();

  /** The ready replicas in round-robin order for `service`, starting at its next turn. */
  function candidates(service: string): Replica[] {
    const ready = order.filter((r) => r.ready);
    if (ready.length === 0) return [];
    const start = (nextIndex.get(service) ?? 0) % ready.length;
    nextIndex.set(service, start + 1);
    return [...ready.slice(start), ...ready.slice(0, start)];
  }

  function forward(service: string, client: net.Socket): void {
    open.add(client);
    client.once('close', () => open.delete(client));
    // Until the replica's first byte, the client's bytes are kept (bounded) so a replica that closes or resets the
    // connection before answering can be replaced by the next one: a connection still in a stopping replica's
    // accept queue is reset when its listener closes. Safe for TLS (a server answers the ClientHello before it can
    // act on a request), which is what the balancer carries.
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let replayable = o.failoverBeforeAnswer;
    let clientEnded = false;
    let upstream: net.Socket | null = null;
    const onClientData = (chunk: Buffer) => {
      if (replayable) {
        keptBytes += chunk.length;
        if (keptBytes > MAX_REPLAY_BYTES) {
          replayable = false;
          kept.length = 0;
        } else kept.push(chunk);
      }
      if (upstream && !upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    };
    const onClientEnd = () => {
      clientEnded = true;
      upstream?.end();
    };
    const onClientError = () => {
      client.destroy();
      upstream?.destroy();
    };
    client.on('data', onClientData);
    client.once('end', onClientEnd);
    client.on('error', onClientError);

    const attempt = (remaining: Replica[]) => {
      const replica = remaining[0];
      if (!replica || stopped || client.destroyed) {
        client.destroy();
        return;
      }
      const socket = net.connect({
        host: replica.spec.host ?? '127.0.0.1',
        port: replica.spec.ports[service]!,
        allowHalfOpen: true,
      });
      upstream = null;
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      const connectTimer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${o.connectTimeoutMs} ms`)),
        o.connectTimeoutMs,
      );
      let connected = false;
      let answered = false;
      let failed = false;
      const failedBeforeAnswer = () => {
        clearTimeout(connectTimer);
        if (answered || failed) return;
        failed = true;
        socket.destroy();
        if (connected) replica.connections[service]!--;
        // Refused (nothing sent) or closed before answering (what was sent is replayed to the next replica).
        if (!connected || replayable) attempt(remaining.slice(1));
        else client.destroy();
      };
      socket.once('error', failedBeforeAnswer);
      socket.once('close', failedBeforeAnswer);
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        connected = true;
        replica.connections[service]!++;
        replica.forwarded[service]!++;
        upstream = socket;
        for (const chunk of kept) socket.write(chunk);
        if (clientEnded) socket.end();
        client.resume();
      });
      socket.once('data', (first: Buffer) => {
        // The replica answered: from here on the bytes just flow, and this connection stays with this replica.
        answered = true;
        socket.off('error', failedBeforeAnswer);
        socket.off('close', failedBeforeAnswer);
        socket.once('close', () => replica.connections[service]!--);
        client.off('data', onClientData);
        client.off('end', onClientEnd);
        client.off('error', onClientError);
        kept.length = 0;
        client.write(first);
        splice(client, socket, clientEnded);
      });
      // Paused until 'data' above is set: the first chunk must not be lost.
    };
    attempt(candidates(service));
  }

  for (const [service, port] of Object.entries(o.services)) {
    // pauseOnConnect: the client's first bytes wait in the kernel until a replica accepted the connection.
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) =>
      forward(service, client),
    );
    server.maxConnections = o.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    servers.set(service, server);
    ports[service] = (server.address() as net.AddressInfo).port;
  }
  for (const replica of replicas) addReplica(replica);

  return Object.assign(emitter, {
    ports,
    host: o.host,
    status: () =>
      order.map((r) => ({
        name: r.spec.name,
        ready: r.ready,
        reason: r.reason,
        connections: { ...r.connections },
        forwarded: { ...r.forwarded },
      })),
    addReplica,
    removeReplica(name: string) {
      const replica = byName.get(name);
      if (!replica) return;
      byName.delete(name);
      order.splice(order.indexOf(replica), 1);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(healthTimer);
      const closed = [...servers.values()].map(
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      );
      for (const socket of open) socket.destroy();
      await Promise.all(closed);
    },
  });
}

/**
 * Bytes both ways with backpressure (pipe); an end (FIN) is passed on as an end, so each side may half-close; an
 * error or a reset on one side resets the other.
 */
function splice(a: net.Socket, b: net.Socket, aEnded: boolean): void {
  // `a` already ended: its end was passed on before the splice.
  if (!aEnded) a.pipe(b);
  b.pipe(a);
  const cut = (other: net.Socket) => () => other.destroy();
  a.on('error', cut(b));
  b.on('error', cut(a));
  a.once('close', (hadError) => (hadError ? b.destroy() : b.end()));
  b.once('close', (hadError) => (hadError ? a.destroy() : a.end()));
}
