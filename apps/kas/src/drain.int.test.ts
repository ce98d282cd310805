// Drain (issue 16): two kas processes on one PostgreSQL behind the TCP load balancer, two agentk pods of one agent
// connected through it (one to each replica: a pod's tunnels all ride its one connection), and 200 kubectl-style
// GETs at once through the balancer's proxy port — 100 over HTTP/1.1 keep-alive, 100 over ten HTTP/2 connections —
// while one replica gets SIGTERM. Every request succeeds; the drained replica's /readyz answered 503 first, a long
// request on it (a watch the API server ends after a few seconds) finished before it exited, it exited 0, and the
// pod that was connected to it reconnected to the other. The replicas share certificate files and MOORING_SECRET.
import fs from 'node:fs';
import http2 from 'node:http2';
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
import { durationPercentile, startDrainLoad } from './testing/drain-load';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

const WORKERS_H1 = 100;
const H2_CONNECTIONS = 10;
const WORKERS_PER_H2_CONNECTION = 10;

interface Replica {
  name: string;
  proc: KasProcess;
  urls: Record<string, string>;
}

const portOf = (url: string) => Number(new URL(url).port);

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
      ...sharedReplicaEnv(pg.url),
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

    const load = startDrainLoad({
      origin: lbProxy,
      path: proxyPath,
      headers,
      caPem: tls.caPem,
      h1Workers: WORKERS_H1,
      h2Connections: H2_CONNECTIONS,
      workersPerH2Connection: WORKERS_PER_H2_CONNECTION,
      isOk: isDefault,
    });
    const results = load.results;

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
    const sigtermAt = performance.now();
    load.sigtermAt = sigtermAt;
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
    await load.finish();

    const failed = results.filter((r) => !r.ok);
    const duringDrain = results.filter((r) => r.startedAt >= sigtermAt && r.startedAt < exitedAt);
    const pct = (p: number) => durationPercentile(results, p);
    const retried = load.retried;
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
        `kas-a exited ${code} after ${Math.round(exitedAt - sigtermAt)} ms; HTTP/2 GOAWAYs seen ${load.goaways()}\n` +
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
