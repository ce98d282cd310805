// Three kas processes (issue 16, "Done means"), started as `pnpm start -- --replicas 3` starts them: the launcher's
// throwaway PostgreSQL and Redis, one MOORING_SECRET, the TCP load balancer in front. One real agentk on the run's
// cluster reaches the replicas through a balancer of its own that offers only kas-2 and kas-3, so its tunnels land on
// kas-2 (the first in turn) and, once kas-2 is gone, on kas-3. kubectl talks to kas-1, which never holds a tunnel:
// every request it makes is routed. The cases share this world, in order:
//   1. get, watch, exec and port-forward through kas-1 reach the agent on kas-2 (bytes checked);
//   2. Redis stopped for 30 s: no replica crashes, each says why it is not ready, and all recover (routing, events);
//   3. kill -9 of kas-2 during a GET every 100 ms and a `kubectl get -w`: the agent moves to kas-3, every GET after
//      that succeeds, and the watch resumes through the new route without losing or repeating an event;
//   4. kas-2 restarted, then SIGTERM to kas-3 (now holding the tunnels) under 200 concurrent requests: none fails.
// Waits on events only; the figures are printed.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { forwardPodPort } from '@mooring/kube-dev';
import { createFreshNamespace, deleteNamespace, kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import { kubectlLong, kubectlRun } from '@mooring/modules/kubernetes_api/server/testing/kubectl-runner';
import {
  echoThroughPortForward,
  startEchoServer,
} from '@mooring/modules/kubernetes_api/server/testing/port-forward-echo';
import { until } from '@mooring/modules/shared/testing/until';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { startTcpLoadBalancer, type TcpLoadBalancer } from './replicas/tcp-load-balancer';
import { RestClient } from './testing/api-client';
import { durationPercentile, startDrainLoad } from './testing/drain-load';
import { metricSum as metricSumOf, routedCalls, tunnelsOn } from './testing/kas-metrics';
import { startLocalReplicas, type LocalReplica, type LocalReplicas } from './testing/local-replicas';
import { testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

const REDIS_AWAY_MS = 30_000;
const GET_EVERY_MS = 100;

const portOf = (url: string) => Number(new URL(url).port);
const ms = (from: number, to = performance.now()) => `${Math.round(to - from)} ms`;

describe('three kas replicas: routing, Redis away, kill -9 and drain', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-three-replicas-'));
  let local: LocalReplicas;
  /** The agent's own way in: kas-2 and kas-3 only (never kas-1, which kubectl talks to). */
  let agentLb: TcpLoadBalancer;
  let agentk: Agentk | undefined;
  let w: HttpWorld;
  let kubeconfig: string;
  let token: string;
  let proxyCa: string;
  let ns: string;
  const replica = (name: string) => local.replicas.find((r) => r.name === name)!;
  const agentSide = (r: LocalReplica) => ({
    name: r.name,
    ports: { agent: portOf(r.urls.agent!) },
    readyzUrl: `${r.urls.observability}/readyz`,
  });
  /** Tunnels of the agent per replica, as last read (for messages). */
  let lastHolders: Record<string, number> = {};
  const holders = async () => {
    const counts = await Promise.all(
      local.replicas.map(async (r) =>
        r.process.child.exitCode === null && r.process.child.signalCode === null
          ? [r.name, await tunnelsOn(r.urls.observability!, w.agentId)]
          : [r.name, 0],
      ),
    );
    lastHolders = Object.fromEntries(counts) as Record<string, number>;
    return lastHolders;
  };
  const proxied = (args: string[], stdin?: string) =>
    kubectlRun(kubeCluster().kubectlPath, args, { kubeconfig, stdin });

  beforeAll(async () => {
    const since = performance.now();
    local = await startLocalReplicas(
      {
        replicas: 3,
        dataDir: dir,
        env: {
          MOORING_ADMIN_PASSWORD: testAdminPassword,
          // The GET loop and the 200 concurrent requests share one credential.
          MOORING_TOKEN_RATE_LIMIT_PER_MINUTE: '0',
          MOORING_LOG_LEVEL: 'info',
        },
      },
      (line) => console.log(`[three-replicas] ${line}`),
    );
    agentLb = await startTcpLoadBalancer({ services: { agent: 0 } }, [
      agentSide(replica('kas-2')),
      agentSide(replica('kas-3')),
    ]);
    await until('kas-2 and kas-3 ready behind the agent balancer', () =>
      agentLb.status().every((s) => s.ready),
    );
    w = await buildHttpWorld({
      apiUrl: local.urls.api,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });
    const made = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 't' });
    expect(made.status, made.text).toBe(201);
    token = made.body.secret;
    const cluster = kubeCluster();
    agentk = await startAgentk({
      kasAddress: `grpcs://127.0.0.1:${agentLb.ports.agent}`,
      token,
      caCertPem: fs.readFileSync(local.caFile),
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: 'agentk-three-0',
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: 'warn' }),
    });
    await agentk.registered;
    await until(
      () => `the agent's tunnels on kas-2 only (${JSON.stringify(lastHolders)})`,
      async () => {
        const h = await holders();
        return h['kas-2']! > 0 && h['kas-1'] === 0 && h['kas-3'] === 0;
      },
    );
    // kubectl's kubeconfig from kas-1's own console API. It names the balancer (the launcher sets MOORING_PROXY_URL);
    // this test points it at kas-1's own proxy port, so every call kubectl makes reaches a replica without the tunnel.
    const admin1 = new RestClient(replica('kas-1').urls.api!);
    expect((await admin1.login('admin', testAdminPassword)).status).toBe(200);
    const kc = await admin1.post<{ filename: string; yaml: string }>('/api/v1/kubeconfig', {
      agentIds: [w.agentId],
    });
    expect(kc.status, kc.text).toBe(201);
    expect(kc.body.yaml).toContain(`server: ${local.urls.proxy}\n`);
    kubeconfig = path.join(dir, kc.body.filename);
    fs.writeFileSync(
      kubeconfig,
      kc.body.yaml.replace(`server: ${local.urls.proxy}\n`, `server: ${replica('kas-1').urls.proxy}\n`),
      { mode: 0o600 },
    );
    const parsed = parse(kc.body.yaml) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
    };
    proxyCa = Buffer.from(parsed.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
    ns = await createFreshNamespace();
    console.log(`[three-replicas] world ready in ${ms(since)}`);
    // Generous: about 25 s on an idle 2-core machine, several minutes when it is shared.
  }, 480_000);

  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
    await agentk?.stop(1_000);
    await agentLb?.stop();
    await local?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl through kas-1 reaches the agent on kas-2: get, watch, exec, port-forward', async () => {
    const one = replica('kas-1').urls.observability!;
    const two = replica('kas-2').urls.observability!;
    let since = performance.now();
    const got = await proxied(['get', 'namespace', 'default', '-o', 'name']);
    expect(got.stderr).toBe('');
    expect(got.stdout.trim()).toBe('namespace/default');
    console.log(`[three-replicas] routed get: ${ms(since)}`);

    since = performance.now();
    const watch = kubectlLong(
      kubeCluster().kubectlPath,
      ['get', 'configmaps', '-n', ns, '-w', '-o', 'name'],
      {
        kubeconfig,
      },
    );
    try {
      await until('the routed watch to list', () => watch.output().includes('kube-root-ca.crt'), 60_000);
      const created = await kubectl(['create', 'configmap', 'routed-watch', '-n', ns, '--from-literal=k=v']);
      expect(created.code, created.stderr).toBe(0);
      await until('the routed watch to see the new ConfigMap', () => watch.output().includes('routed-watch'));
      console.log(`[three-replicas] routed watch saw a new ConfigMap after ${ms(since)}`);
    } finally {
      await watch.stop();
    }

    // A pod for exec and port-forward (kwok runs it; kube-dev serves its exec and port-forward).
    expect((await kubectl(['run', 'p1', '-n', ns, '--image=busybox', '--restart=Never'])).code).toBe(0);
    const waited = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/p1', '--timeout=60s']);
    expect(waited.code, waited.stderr).toBe(0);
    since = performance.now();
    const exec = await proxied(['exec', 'p1', '-n', ns, '--', 'echo', 'routed-exec']);
    expect(exec.stderr).toBe('');
    expect(exec.stdout).toBe('routed-exec\n');
    const stdin = await proxied(
      ['exec', '-i', 'p1', '-n', ns, '--', 'head', '-c', '11'],
      'hello world and more',
    );
    expect(stdin.stdout, stdin.stderr).toBe('hello world');
    console.log(`[three-replicas] routed exec (twice, once with stdin): ${ms(since)}`);

    const echo = await startEchoServer();
    try {
      await forwardPodPort(kubeCluster(), { namespace: ns, pod: 'p1', port: 8080, to: { port: echo.port } });
      since = performance.now();
      const pf = kubectlLong(kubeCluster().kubectlPath, ['port-forward', '-n', ns, 'pod/p1', ':8080'], {
        kubeconfig,
      });
      try {
        const { sent, received } = await echoThroughPortForward(pf);
        expect(received).toBe(sent);
        console.log(`[three-replicas] routed port-forward echoed 1 MiB in ${ms(since)}`);
      } finally {
        await pf.stop();
      }
    } finally {
      echo.close();
    }

    // Every call went kas-1 → kas-2: kas-1 won routes, kas-2 served them, nobody routed through kas-3.
    expect(await routedCalls(one, 'gateway', 'won')).toBeGreaterThanOrEqual(5);
    expect(await routedCalls(two, 'router', 'ready')).toBeGreaterThanOrEqual(5);
    expect(await routedCalls(replica('kas-3').urls.observability!, 'router', 'ready')).toBe(0);
    expect(await tunnelsOn(one, w.agentId)).toBe(0);
  }, 300_000);

  it('Redis stopped for 30 s: no replica crashes, each says why, and all recover (routing, config events)', async () => {
    const readyz = async (r: LocalReplica) => {
      const res = await fetch(`${r.urls.observability}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    const alive = () => local.replicas.every((r) => r.process.child.exitCode === null);
    const stoppedAt = performance.now();
    await local.redis.kill();
    // Back for the next cases even when this one fails half-way (start() does nothing when it runs).
    onTestFinished(() => local.redis.start());
    const notReadyAfter: string[] = [];
    for (const r of local.replicas) {
      const down = await until(`${r.name} /readyz to report Redis away`, async () => {
        const answer = await readyz(r);
        return answer.status === 503 && answer;
      });
      notReadyAfter.push(`${r.name} ${ms(stoppedAt)}`);
      expect(down.body).toMatch(
        /\[-\] redis failed: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable: .*check REDIS_URL and that Redis runs/,
      );
      expect(down.body).toContain('[+] database ok');
      expect((await fetch(`${r.urls.observability}/livez`)).status).toBe(200);
    }
    // The agent's own replica keeps serving it: a GET straight to kas-2's proxy needs no Redis.
    const direct = path.join(dir, 'kas-2.kubeconfig');
    fs.writeFileSync(
      direct,
      fs
        .readFileSync(kubeconfig, 'utf8')
        .replaceAll(replica('kas-1').urls.proxy!, replica('kas-2').urls.proxy!),
      { mode: 0o600 },
    );
    const onHolder = await kubectlRun(
      kubeCluster().kubectlPath,
      ['get', 'namespace', 'default', '-o', 'name'],
      {
        kubeconfig: direct,
      },
    );
    expect(onHolder.stdout.trim(), onHolder.stderr).toBe('namespace/default');

    // The rest of the 30 s: every replica stays up and keeps giving the reason (asked every second).
    let checks = 0;
    while (performance.now() - stoppedAt < REDIS_AWAY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(alive(), 'a replica exited while Redis was away').toBe(true);
      for (const r of local.replicas) {
        const answer = await readyz(r);
        expect(answer.status, `${r.name}: ${answer.body}`).toBe(503);
        expect(answer.body).toContain('[-] redis failed: Redis at');
      }
      checks++;
    }
    const awayMs = performance.now() - stoppedAt;

    const backAt = performance.now();
    await local.redis.start();
    const readyAgain: string[] = [];
    for (const r of local.replicas) {
      const up = await until(
        `${r.name} ready again`,
        async () => {
          const answer = await readyz(r);
          return answer.status === 200 && answer;
        },
        60_000,
      );
      expect(up.body).toContain('[+] redis ok');
      readyAgain.push(`${r.name} ${ms(backAt)}`);
    }
    await until('every replica ready behind the balancer', () =>
      local.balancer.status().every((s) => s.ready),
    );
    expect(alive()).toBe(true);
    // Routing works again: the tracker (empty after the restart) names kas-2 again and kas-1 routes to it.
    const routedBefore = await routedCalls(replica('kas-1').urls.observability!, 'gateway', 'won');
    const got = await proxied(['get', 'namespace', 'default', '-o', 'name']);
    expect(got.stdout.trim(), got.stderr).toBe('namespace/default');
    expect(await routedCalls(replica('kas-1').urls.observability!, 'gateway', 'won')).toBeGreaterThan(
      routedBefore,
    );
    const routedAt = performance.now();
    // Events cross again: a configuration saved through kas-1 reaches the agent on kas-2.
    const admin1 = new RestClient(replica('kas-1').urls.api!);
    expect((await admin1.login('admin', testAdminPassword)).status).toBe(200);
    const saved = await admin1.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: '# saved through kas-1 after Redis returned\nobservability:\n  logging:\n    level: warn\n',
    });
    expect(saved.status, saved.text).toBe(201);
    await until(
      'the configuration saved through kas-1 to reach the agent on kas-2',
      () => agentk!.config()?.version === String(saved.body.version),
    );
    console.log(
      `[three-replicas] Redis away ${Math.round(awayMs)} ms (${checks} rounds of /readyz, all 503 with the reason); ` +
        `not ready after: ${notReadyAfter.join(', ')}; ready again after Redis restarted: ${readyAgain.join(', ')}; ` +
        `a routed GET worked ${ms(backAt, routedAt)} after the restart, the config event crossed in ${ms(routedAt)}`,
    );
  }, 300_000);

  it('kill -9 of kas-2 (the tunnels): every GET after the agent moved succeeds, the watch loses no event', async () => {
    const one = replica('kas-1').urls.observability!;
    const killed = replica('kas-2');
    const user = (parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] })
      .users[0]!.user.token;
    const getUrl = new URL(
      'api/v1/namespaces/default',
      `${replica('kas-1').urls.proxy!.replace(/\/?$/, '/')}`,
    );
    const pool = new https.Agent({ keepAlive: true, ca: proxyCa });
    const getOnce = () =>
      new Promise<string>((resolve) => {
        const req = https.get(
          getUrl,
          {
            agent: pool,
            headers: { authorization: `Bearer ${user}`, accept: 'application/json' },
            timeout: 60_000,
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () =>
              resolve(
                res.statusCode === 200 && body.includes('"name":"default"')
                  ? ''
                  : `${res.statusCode} ${body.slice(0, 300)}`,
              ),
            );
            res.on('error', (error) => resolve(`response: ${error.message}`));
          },
        );
        req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
        req.on('error', (error) => resolve(`request: ${error.message}`));
      });
    interface Get {
      startedAt: number;
      endedAt: number;
      ok: boolean;
      /** Why it failed. */
      error: string;
    }
    const gets: Get[] = [];
    const pending: Promise<void>[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        const startedAt = performance.now();
        pending.push(
          getOnce().then(
            (error) => void gets.push({ startedAt, endedAt: performance.now(), ok: !error, error }),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, GET_EVERY_MS));
      }
    })();

    // The watch, as kubectl prints it: one line per event, with its type.
    const cm = (args: string[]) => kubectl([...args, '-n', ns]);
    const expectOk = async (run: Promise<{ code: number | null; stderr: string }>) => {
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
    };
    // Listed by the watch's initial list; kill-0, made once that printed, can only come through the watch itself,
    // so the watch's own request is routed (to kas-2) before the kill.
    const pre = await kubectl(['create', 'configmap', 'kill-pre', '-n', ns, '--from-literal=v=0']);
    expect(pre.code, pre.stderr).toBe(0);
    expect((await kubectl(['label', 'configmap', 'kill-pre', '-n', ns, 'case=kill'])).code).toBe(0);
    const watch = kubectlLong(
      kubeCluster().kubectlPath,
      [
        'get',
        'configmaps',
        '-n',
        ns,
        '-l',
        'case=kill',
        '-w',
        '--output-watch-events',
        '-o',
        'jsonpath={.type} {.object.metadata.name}={.object.data.v}{"\\n"}',
      ],
      { kubeconfig, timeoutMs: 180_000 },
    );
    const lines = () => watch.output().split('\n').filter(Boolean);
    let watchExited = false;
    void watch.exited.then(() => (watchExited = true));
    const create = (name: string) =>
      expectOk(
        (async () => {
          const made = await cm(['create', 'configmap', name, '--from-literal=v=0']);
          if (made.code !== 0) return made;
          return cm(['label', 'configmap', name, 'case=kill']);
        })(),
      );
    const modify = (name: string, v: string) =>
      expectOk(cm(['patch', 'configmap', name, '--type=merge', '-p', JSON.stringify({ data: { v } })]));
    const expected: string[] = ['ADDED kill-pre=0'];
    try {
      await until(
        () => `the watch to list kill-pre (${watch.output()} ${watch.stderr()})`,
        () => lines().includes('ADDED kill-pre=0'),
        60_000,
      );
      // Labelled after creation: the watch sees the label arrive as ADDED (the selector starts to match).
      await create('kill-0');
      expected.push('ADDED kill-0=0');
      await until(
        () => `the watch to print kill-0 (${watch.output()} ${watch.stderr()})`,
        () => lines().includes('ADDED kill-0=0'),
        60_000,
      );
      await until('10 GETs through kas-1 before the kill', () => gets.filter((g) => g.ok).length >= 10);
      const resumesBefore = await metricSumOf(one, 'mooring_kas_k8s_proxy_watch_resumes_total');

      const killedAt = performance.now();
      killed.process.child.kill('SIGKILL');
      await killed.process.exited;
      // Changes while the agent has no tunnel anywhere: the resumed watch must still bring them.
      await create('kill-1');
      await modify('kill-0', '1');
      expected.push('ADDED kill-1=0', 'MODIFIED kill-0=1');
      const moved = await until(
        () => `the agent's tunnels on kas-3 (${JSON.stringify(lastHolders)})`,
        async () => (await holders())['kas-3']! > 0 && performance.now(),
        60_000,
      );
      // And after it.
      await create('kill-2');
      await modify('kill-1', '1');
      await expectOk(cm(['delete', 'configmap', 'kill-2']));
      expected.push('ADDED kill-2=0', 'MODIFIED kill-1=1', 'DELETED kill-2=0');
      await until(
        () => `every event in the watch (${JSON.stringify(lines())}; stderr ${watch.stderr()})`,
        () => expected.every((e) => lines().includes(e)),
        60_000,
      );
      await until(
        'ten GETs started after the agent moved to finish',
        () => gets.filter((g) => g.startedAt >= moved).length >= 10,
        60_000,
      );
      looping = false;
      await loop;
      await Promise.all(pending);

      const failed = gets.filter((g) => !g.ok);
      const afterMove = gets.filter((g) => g.startedAt >= moved);
      const firstOk = gets
        .filter((g) => g.ok && g.startedAt >= killedAt)
        .sort((a, b) => a.endedAt - b.endedAt)[0];
      // The gap: the longest time around the kill without a GET answered.
      const answered = gets
        .filter((g) => g.ok)
        .map((g) => g.endedAt)
        .sort((a, b) => a - b);
      let gap = 0;
      for (let i = 1; i < answered.length; i++)
        if (answered[i]! >= killedAt) gap = Math.max(gap, answered[i]! - answered[i - 1]!);
      const resumes = (await metricSumOf(one, 'mooring_kas_k8s_proxy_watch_resumes_total')) - resumesBefore;
      console.log(
        `[three-replicas] kill -9 of kas-2: ${gets.length} GETs (one every ${GET_EVERY_MS} ms), ${failed.length} failed ` +
          `(${failed.filter((g) => g.startedAt < killedAt).length} in flight at the kill, ` +
          `${failed.filter((g) => g.startedAt >= killedAt && g.startedAt < moved).length} started during the gap); ` +
          `gap without an answered GET ${Math.round(gap)} ms; agent's tunnels on kas-3 ${ms(killedAt, moved)} after the kill; ` +
          `first GET started after the kill answered ${firstOk ? ms(killedAt, firstOk.endedAt) : '-'} after it; ` +
          `watch resumed ${resumes} time(s), events printed: ${JSON.stringify(lines())}; failures: ` +
          JSON.stringify(failed.map((g) => `${ms(killedAt, g.startedAt)} after the kill: ${g.error}`)) +
          `; kubectl's stderr: ${JSON.stringify(watch.stderr())}; kas-1 on watches: ${JSON.stringify(
            replica('kas-1')
              .process.stdout()
              .split('\n')
              .filter((l) => l.includes('watch'))
              .map((l) => (JSON.parse(l) as { msg: string }).msg),
          )}`,
      );
      expect(afterMove.filter((g) => !g.ok)).toEqual([]);
      // Every event exactly once, in each object's order, and the same kubectl still watching (never re-listed).
      expect(
        lines()
          .filter((l) => l.includes(' kill-'))
          .sort(),
      ).toEqual([...expected].sort());
      for (const [earlier, later] of [
        ['ADDED kill-0=0', 'MODIFIED kill-0=1'],
        ['ADDED kill-1=0', 'MODIFIED kill-1=1'],
        ['ADDED kill-2=0', 'DELETED kill-2=0'],
      ] as const)
        expect(lines().indexOf(earlier)).toBeLessThan(lines().indexOf(later));
      expect(watchExited, watch.stderr()).toBe(false);
      expect(resumes).toBeGreaterThanOrEqual(1);
      expect(await routedCalls(replica('kas-3').urls.observability!, 'router', 'ready')).toBeGreaterThan(0);
    } finally {
      looping = false;
      await loop;
      await watch.stop();
      pool.destroy();
    }
  }, 300_000);

  it('kas-2 restarted, SIGTERM to kas-3 (the tunnels now) under 200 concurrent requests: none fails', async () => {
    let since = performance.now();
    const restarted = await local.restart('kas-2');
    agentLb.removeReplica('kas-2');
    agentLb.addReplica(agentSide(restarted));
    await until('the restarted kas-2 ready behind the agent balancer', () =>
      agentLb.status().every((s) => s.ready),
    );
    console.log(`[three-replicas] kas-2 restarted and ready behind both balancers in ${ms(since)}`);
    const drained = replica('kas-3');
    expect(await tunnelsOn(drained.urls.observability!, w.agentId)).toBeGreaterThan(0);

    const user = (parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] })
      .users[0]!.user.token;
    const proxy = new URL(local.urls.proxy);
    const load = startDrainLoad({
      origin: proxy.origin,
      path: `${proxy.pathname.replace(/\/$/, '')}/api/v1/namespaces/default`,
      headers: { authorization: `Bearer ${user}`, accept: 'application/json' },
      caPem: proxyCa,
      h1Workers: 100,
      h2Connections: 10,
      workersPerH2Connection: 10,
      isOk: (status, body) =>
        status === 200 && (JSON.parse(body) as { metadata?: { name?: string } }).metadata?.name === 'default',
    });
    const forwarded = () => local.balancer.status().map((s) => s.forwarded.proxy ?? 0);
    const before = forwarded();
    // Every replica serves some before the drain (kas-1 and kas-2 route theirs to kas-3).
    await until(
      () =>
        `requests through all three replicas (${JSON.stringify(forwarded())}, ${load.results.length} done)`,
      () => load.results.length >= 400 && forwarded().every((n, i) => n > before[i]!),
      60_000,
    );
    const requestsBefore = load.results.length;
    load.sigtermAt = performance.now();
    drained.process.child.kill('SIGTERM');
    const code = await drained.process.exited;
    const exitedAt = performance.now();
    const moved = await until(
      () => `the agent's tunnels on the restarted kas-2 (${JSON.stringify(lastHolders)})`,
      async () => (await holders())['kas-2']! > 0 && performance.now(),
      60_000,
    );
    since = performance.now();
    await load.finish();
    const failed = load.results.filter((r) => !r.ok);
    const during = load.results.filter((r) => r.startedAt >= load.sigtermAt && r.startedAt < exitedAt);
    console.log(
      `[three-replicas] drain of kas-3: ${load.results.length} requests (${requestsBefore} before SIGTERM, ` +
        `${during.length} started during the drain), ${failed.length} failed; latency p50 ` +
        `${durationPercentile(load.results, 0.5)} ms, p99 ${durationPercentile(load.results, 0.99)} ms, ` +
        `max ${durationPercentile(load.results, 1)} ms; kas-3 exited ${code} ${ms(load.sigtermAt, exitedAt)} after ` +
        `SIGTERM; the agent's tunnels on kas-2 ${ms(load.sigtermAt, moved)} after it; HTTP/2 GOAWAYs ` +
        `${load.goaways()}; sent again unprocessed: ${load.retried.length}; proxy connections per replica ` +
        `${JSON.stringify(forwarded())}; HTTP/2 connection errors: ${JSON.stringify(load.sessionErrors)}`,
    );
    const drainLog = drained.process
      .stdout()
      .split('\n')
      .filter((l) => l.includes('drain') || l.includes('"level":50') || l.includes('"level":40'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    console.log(`[three-replicas] kas-3's drain log:\n  ${drainLog.join('\n  ')}`);
    expect(failed.slice(0, 10).map((r) => `${r.worker}: ${r.detail}`)).toEqual([]);
    expect(code).toBe(0);
    expect(during.length).toBeGreaterThan(0);
  }, 300_000);
});
