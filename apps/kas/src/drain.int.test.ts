// Drain (issue 16): two kas processes on one PostgreSQL behind the TCP load balancer, two agentk pods of one agent
// connected through it (one to each replica: a pod's tunnels all ride its one connection), and 200 kubectl-style
// GETs at once through the balancer's proxy port — 100 over HTTP/1.1 keep-alive, 100 over ten HTTP/2 connections —
// while one replica gets SIGTERM. Every request succeeds; the drained replica's /readyz answered 503 first, a long
// request on it (a watch the API server ends after a few seconds) finished before it exited, it exited 0, and the
// pod that was connected to it reconnected to the other. The replicas share certificate files and MOORING_SECRET.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { until } from '@mooring/modules/shared/testing/until';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTcpLoadBalancer, type TcpLoadBalancer } from './replicas/tcp-load-balancer';
import { kasProcessPorts, spawnKas, type KasProcess } from './testing/kas-process';
import { testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

const WORKERS_H1 = 100;
const H2_CONNECTIONS = 10;
const WORKERS_PER_H2_CONNECTION = 10;
/** Each worker's requests once the drain is over (all then go to the remaining replica). */
const REQUESTS_AFTER_DRAIN = 3;
/** Bounds the loop whatever happens. */
const MAX_REQUESTS_PER_WORKER = 2_000;

interface Replica {
  name: string;
  proc: KasProcess;
  urls: Record<string, string>;
}

interface Result {
  worker: string;
  ok: boolean;
  detail: string;
  startedAt: number;
  ms: number;
}

const portOf = (url: string) => Number(new URL(url).port);

/** The server did not process the request (so the client may send it again). */
class NotProcessed extends Error {}

describe('drain: SIGTERM to one of two kas replicas behind the load balancer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-drain-'));
  let pg: TestPostgres | undefined;
  let lb: TcpLoadBalancer | undefined;
  const replicas: Replica[] = [];
  const agentks: Agentk[] = [];
  let w: HttpWorld;
  const tls = generateSelfSignedTls(['127.0.0.1']);

  beforeAll(async () => {
    pg = await startTestPostgres();
    const file = (name: string, content: string) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content, { mode: 0o600 });
      return p;
    };
    const [cert, key, ca] = [
      file('cert.pem', tls.certPem),
      file('key.pem', tls.keyPem),
      file('ca.pem', tls.caPem),
    ];
    const env = {
      ...kasProcessPorts,
      DATABASE_URL: pg.url,
      MOORING_SECRET: randomBytes(32).toString('base64'),
      MOORING_ADMIN_PASSWORD: testAdminPassword,
      // The same certificate files on every replica: agents and kubectl trust one CA whichever answers.
      MOORING_AGENT_TLS_CERT_FILE: cert,
      MOORING_AGENT_TLS_KEY_FILE: key,
      MOORING_PROXY_TLS_CERT_FILE: cert,
      MOORING_PROXY_TLS_KEY_FILE: key,
      MOORING_PROXY_TLS_CA_FILE: ca,
      MOORING_SHUTDOWN_GRACE: '60',
      MOORING_TOKEN_RATE_LIMIT_PER_MINUTE: '0',
      MOORING_LOG_LEVEL: 'info',
    };
    // One after the other: the first migrates the fresh database.
    for (const name of ['kas-a', 'kas-b']) {
      const proc = spawnKas({ ...env, MOORING_DATA_DIR: path.join(dir, name) });
      replicas.push({ name, proc, urls: await proc.ready() });
    }
    lb = await startTcpLoadBalancer(
      { services: { agent: 0, proxy: 0, api: 0 } },
      replicas.map((r) => ({
        name: r.name,
        ports: { agent: portOf(r.urls.agent!), proxy: portOf(r.urls.proxy!), api: portOf(r.urls.api!) },
        readyzUrl: `${r.urls.observability}/readyz`,
      })),
    );
    await until('both replicas ready behind the balancer', () => lb!.status().every((s) => s.ready));
    // The console API through the balancer too: sessions and CSRF tokens work whichever replica answers.
    w = await buildHttpWorld({
      apiUrl: `http://127.0.0.1:${lb.ports.api}`,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agentks.map((a) => a.stop(2_000)));
    await lb?.stop();
    await Promise.all(
      replicas.map(async ({ proc }) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
        await proc.exited;
      }),
    );
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails none of 200 concurrent requests, exits 0 after its in-flight work, and its agent reconnects', async () => {
    const balancer = lb!;
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 't' });
    expect(token.status, token.text).toBe(201);
    const cluster = kubeCluster();
    const agentConnections = () => balancer.status().map((s) => s.connections.agent);
    // One pod after the other: round robin gives the first connection to kas-a, the second to kas-b.
    for (const [i, expected] of [
      [1, [1, 0]],
      [2, [1, 1]],
    ] as const) {
      const agentk = await startAgentk({
        kasAddress: `grpcs://127.0.0.1:${balancer.ports.agent}`,
        token: token.body.secret,
        caCertPem: Buffer.from(tls.caPem),
        kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
        podName: `agentk-drain-${i}`,
        podNamespace: cluster.agentNamespace,
        logger: pino({ level: 'warn' }),
      });
      agentks.push(agentk);
      await agentk.registered;
      await until(
        () => `agentk ${i}'s connection through the balancer (agent connections ${agentConnections()})`,
        () => JSON.stringify(agentConnections()) === JSON.stringify(expected),
      );
    }
    const [a, b] = replicas as [Replica, Replica];
    const tunnelsOn = async (r: Replica) => {
      const text = await (await fetch(`${r.urls.observability}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n'))
        if (line.startsWith(`mooring_kas_tunnels_by_agent{agent_id="${w.agentId}"`))
          sum += Number(line.split(' ').at(-1));
      return sum;
    };
    await until('both replicas hold tunnels of the agent', async () => {
      const counts = await Promise.all(replicas.map(tunnelsOn));
      return counts.every((n) => n > 0) && counts;
    });

    const made = await w.as.developer.post<{ yaml: string }>('/api/v1/kubeconfig', {
      expiresInDays: 1,
      agentIds: [w.agentId],
    });
    expect(made.status, made.text).toBe(201);
    const kubeconfig = parse(made.body.yaml) as { users: { user: { token: string } }[] };
    const headers = {
      authorization: `Bearer ${kubeconfig.users[0]!.user.token}`,
      accept: 'application/json',
    };
    const proxyPath = '/k8s-proxy/api/v1/namespaces/default';
    const lbProxy = `https://127.0.0.1:${balancer.ports.proxy}`;
    const isDefault = (status: number | undefined, body: string) =>
      status === 200 && (JSON.parse(body) as { metadata?: { name?: string } }).metadata?.name === 'default';

    // HTTP/1.1 keep-alive, as client-go without HTTP/2: one pool, a connection per worker.
    const h1Agent = new https.Agent({ keepAlive: true, maxSockets: WORKERS_H1, ca: tls.caPem });
    const getH1 = (url: string) =>
      new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        let gotResponse = false;
        const req = https.get(url, { agent: h1Agent, headers }, (res) => {
          gotResponse = true;
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, body }));
          res.on('error', reject);
        });
        req.on('error', (error) =>
          // Sent on a kept connection the server closed meanwhile, with no answer: never processed.
          reject(
            req.reusedSocket && !gotResponse
              ? new NotProcessed(`h1 reused connection: ${error.message}`)
              : error,
          ),
        );
      });
    // HTTP/2 as kubectl: one connection shared by its requests; a connection that got GOAWAY takes no new request,
    // the next one opens a new connection (through the balancer, to a ready replica).
    const h2Session = (authority: string) => {
      let session: http2.ClientHttp2Session | null = null;
      let goaways = 0;
      const current = () => {
        if (!session || session.closed || session.destroyed) {
          const s = http2.connect(authority, { ca: tls.caPem });
          s.on('error', () => {});
          s.on('goaway', () => {
            goaways++;
            if (session === s) session = null;
          });
          session = s;
        }
        return session;
      };
      return {
        goaways: () => goaways,
        close: () => session?.close(),
        get: (p: string) =>
          new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
            const stream = current().request({ ':path': p, ...headers });
            let status: number | undefined;
            let body = '';
            stream.setEncoding('utf8');
            stream.on('response', (h) => (status = h[':status']));
            stream.on('data', (c: string) => (body += c));
            stream.on('end', () => resolve({ status, body }));
            stream.on('error', (error) =>
              reject(
                stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM
                  ? new NotProcessed(`h2 ${error.message}`)
                  : error,
              ),
            );
            stream.on('close', () => {
              if (status === undefined)
                reject(new Error(`the stream closed without a response (RST_STREAM code ${stream.rstCode})`));
            });
          }),
      };
    };
    const h2 = Array.from({ length: H2_CONNECTIONS }, () => h2Session(lbProxy));

    const results: Result[] = [];
    let drainOverAt: number | null = null;
    const retried: string[] = [];
    let sigtermAt = Infinity;
    const workers: Promise<void>[] = [];
    const worker = (name: string, get: () => Promise<{ status: number | undefined; body: string }>) =>
      (async () => {
        let afterDrain = 0;
        for (let i = 0; i < MAX_REQUESTS_PER_WORKER && afterDrain < REQUESTS_AFTER_DRAIN; i++) {
          const startedAt = performance.now();
          try {
            // As client-go does: a request the server provably did not process (HTTP/2 REFUSED_STREAM, an HTTP/1.1
            // kept connection closed before any answer) is sent again once, on a new connection. Counted.
            const r = await get().catch((error: unknown) => {
              if (!(error instanceof NotProcessed)) throw error;
              retried.push(
                `${name}: ${error.message} (${Math.round(startedAt - sigtermAt)} ms after SIGTERM)`,
              );
              return get();
            });
            const ok = isDefault(r.status, r.body);
            results.push({
              worker: name,
              ok,
              detail: ok ? '' : `${r.status} ${r.body.slice(0, 300)}`,
              startedAt,
              ms: performance.now() - startedAt,
            });
          } catch (error) {
            results.push({
              worker: name,
              ok: false,
              detail: `${String(error)} (started ${Math.round(startedAt - sigtermAt)} ms after SIGTERM)`,
              startedAt,
              ms: performance.now() - startedAt,
            });
          }
          if (drainOverAt !== null && startedAt >= drainOverAt) afterDrain++;
        }
      })();
    for (let i = 0; i < WORKERS_H1; i++)
      workers.push(worker(`h1-${i}`, () => getH1(`${lbProxy}${proxyPath}`)));
    for (const [c, session] of h2.entries())
      for (let i = 0; i < WORKERS_PER_H2_CONNECTION; i++)
        workers.push(worker(`h2-${c}-${i}`, () => session.get(proxyPath)));

    // Every connection is busy before the drain: both replicas are serving requests.
    await until(
      'requests through both replicas',
      () => {
        const forwarded = balancer.status().map((s) => s.connections.proxy ?? 0);
        return results.length >= 400 && forwarded.every((n) => n > 0) && forwarded;
      },
      60_000,
    );

    // A long request in flight on the replica to be drained: a watch the API server ends after 6 s.
    const watchStarted = performance.now();
    let watchEndedAt = 0;
    const watchSession = http2.connect(`https://127.0.0.1:${portOf(a.urls.proxy!)}`, { ca: tls.caPem });
    watchSession.on('error', () => {});
    let watchAnswered!: () => void;
    const answered = new Promise<void>((resolve) => (watchAnswered = resolve));
    const watch = new Promise<{ status: number | undefined; bytes: number }>((resolve, reject) => {
      const stream = watchSession.request({
        ':path': '/k8s-proxy/api/v1/namespaces?watch=1&timeoutSeconds=6',
        ...headers,
      });
      let status: number | undefined;
      let bytes = 0;
      stream.on('response', (h) => {
        status = h[':status'];
        watchAnswered();
      });
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        watchEndedAt = performance.now();
        watchSession.close();
        resolve({ status, bytes });
      });
      stream.on('error', reject);
    });
    await answered;

    const requestsBefore = results.length;
    const forwardedBefore = balancer.status().map((s) => ({ ...s.forwarded }));
    const readinessSeen: string[] = [];
    let lbSawNotReadyAt = 0;
    balancer.on('readiness', ({ name, ready }) => {
      readinessSeen.push(`${name}:${ready}`);
      if (name === a.name && !ready) lbSawNotReadyAt = performance.now();
    });
    sigtermAt = performance.now();
    a.proc.child.kill('SIGTERM');
    let exitedAt = 0;
    const exited = a.proc.exited.then((code) => {
      exitedAt = performance.now();
      return code;
    });
    // /readyz turns 503 at once and stays so until the process is gone.
    const readyz = await until('kas-a /readyz to answer 503', async () => {
      const res = await fetch(`${a.urls.observability}/readyz`);
      return res.status === 503 && { at: performance.now(), text: await res.text() };
    });
    expect(readyz.text).toContain('shutting down');
    const code = await exited;
    const watched = await watch;
    // The pod that was on kas-a has its connection on kas-b now; kas-a holds none.
    await until(
      () => `both agent connections on kas-b (${JSON.stringify(balancer.status())})`,
      () => JSON.stringify(agentConnections()) === JSON.stringify([0, 2]),
      60_000,
    );
    const bTunnels = await until('kas-b to hold tunnels of both pods', async () => {
      const n = await tunnelsOn(b);
      return n > 0 && n;
    });
    drainOverAt = performance.now();
    await Promise.all(workers);
    h1Agent.destroy();
    for (const s of h2) s.close();

    const failed = results.filter((r) => !r.ok);
    const duringDrain = results.filter((r) => r.startedAt >= sigtermAt && r.startedAt < exitedAt);
    const sorted = results.map((r) => r.ms).sort((x, y) => x - y);
    const pct = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
    const forwardedAfter = balancer.status().map((s) => s.forwarded);
    const logs = a.proc
      .stdout()
      .split('\n')
      .filter((l) => l.includes('drain:') || l.includes('"stopped"'));
    console.log(
      `[drain] ${results.length} requests (${requestsBefore} before SIGTERM, ${duringDrain.length} started during the drain), ` +
        `${failed.length} failed; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms\n` +
        `[drain] SIGTERM → /readyz 503 seen ${Math.round(readyz.at - sigtermAt)} ms, balancer saw it ${lbSawNotReadyAt ? Math.round(lbSawNotReadyAt - sigtermAt) : '-'} ms, ` +
        `the 6 s watch on kas-a ended ${Math.round(watchEndedAt - sigtermAt)} ms (started ${Math.round(sigtermAt - watchStarted)} ms before SIGTERM), ` +
        `kas-a exited ${code} after ${Math.round(exitedAt - sigtermAt)} ms; HTTP/2 GOAWAYs seen ${h2.reduce((n, s) => n + s.goaways(), 0)}\n` +
        `[drain] sent again after the server did not process them: ${retried.length}${retried.length ? `\n  ${retried.join('\n  ')}` : ''}\n` +
        `[drain] proxy connections forwarded per replica before ${JSON.stringify(forwardedBefore.map((f) => f.proxy))}, after ${JSON.stringify(forwardedAfter.map((f) => f.proxy))}; ` +
        `agent connections before ${JSON.stringify(forwardedBefore.map((f) => f.agent))}, after ${JSON.stringify(forwardedAfter.map((f) => f.agent))}; kas-b holds ${bTunnels} tunnels of the agent\n` +
        `[drain] kas-a's drain log:\n  ${logs
          .map((l) => {
            const j = JSON.parse(l) as { msg: string; time?: number } & Record<string, unknown>;
            return j.msg;
          })
          .join('\n  ')}`,
    );
    expect(failed.slice(0, 10).map((r) => `${r.worker}: ${r.detail}`)).toEqual([]);
    expect(code).toBe(0);
    expect(watched.status).toBe(200);
    // Events in order, no clock bound: /readyz said 503 while kas-a still ran, the long request finished before it
    // exited, and the balancer stopped sending it connections.
    expect(readyz.at).toBeLessThan(exitedAt);
    expect(watchEndedAt).toBeLessThanOrEqual(exitedAt);
    expect(readinessSeen).toContain(`${a.name}:false`);
    // The pod that was on kas-a opened its new connection through the balancer to kas-b.
    expect(forwardedAfter[1]!.agent).toBeGreaterThan(forwardedBefore[1]!.agent!);
    // Requests kept flowing during the drain.
    expect(duringDrain.length).toBeGreaterThan(0);
  }, 300_000);
});
