// Faults through the whole stack (issue 5): the built kubectl through kas's proxy, the real gRPC tunnel and real
// agentk processes against the real local cluster — kas restarts, token rotation under load, max connection age
// during a long watch, an unreachable API server, and token revocation.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentConfigurationKasModule } from '@mooring/modules/agent_configuration/server/index';
import { createAgentRegistrarKasModule } from '@mooring/modules/agent_registrar/server/index';
import { createReverseTunnelKasModule } from '@mooring/modules/reverse_tunnel/server/index';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../../apps/kas/src/config';
import { startKas, type RunningKas } from '../../../../apps/kas/src/kas';
import { createLogger } from '../../../../apps/kas/src/logger';
import { seedDemo, type DemoSeed } from '../../../../scripts/demo/seed';
import { buildProxyKubeconfig } from '../shared/kubeconfig';
import { createKubernetesApiProxyModule } from './kas-module';
import { spawnAgentk, type AgentkProcess } from './testing/agentk-process';
import { kubectlLong, kubectlRun, type KubectlRun } from './testing/kubectl-runner';
import { until } from '../../shared/testing/until';
import { startProxyWorld, type ProxyWorld } from './testing/proxy-world';

const cluster = inject('kubeCluster');
const NS = `faults-${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const admin = (args: string[]) =>
  kubectlRun(cluster.kubectlPath, args, { kubeconfig: cluster.kubeconfigPath });
const through = (kubeconfig: string, args: string[], timeoutMs = 30_000) =>
  kubectlRun(cluster.kubectlPath, args, { kubeconfig, timeoutMs });

function ok(result: KubectlRun): string {
  expect(result.code, `kubectl failed: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Ports that were free a moment ago (held together so they differ), for a kas that must come back on them. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

beforeAll(async () => {
  ok(await admin(['create', 'namespace', NS]));
  await until(
    `the default service account in ${NS}`,
    async () => (await admin(['get', 'sa', 'default', '-n', NS])).code === 0,
  );
}, 60_000);

afterAll(async () => {
  await admin(['delete', 'namespace', NS, '--wait=false']);
});

describe('kas restart (real startKas, same data dir and ports)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mooring-faults-kas-'));
  const agentks: AgentkProcess[] = [];
  let kas: RunningKas | null = null;
  let agentRegistrar: ReturnType<typeof createAgentRegistrarKasModule>;
  let config: ReturnType<typeof loadConfig>;
  let seed: DemoSeed;
  let kubeconfig: string;

  // What kas's defaultModules() builds, keeping a handle on the agent listener to see connected pods.
  async function start(): Promise<RunningKas> {
    const reverseTunnel = createReverseTunnelKasModule();
    agentRegistrar = createAgentRegistrarKasModule({
      podTunnels: () => reverseTunnel.tunnels().onPodTunnelsChanged,
    });
    const agentConfiguration = createAgentConfigurationKasModule({
      pods: () => agentRegistrar.connectedAgents(),
    });
    const proxyModule = createKubernetesApiProxyModule({ dialer: () => reverseTunnel.dialer() });
    kas = await startKas(config, {
      modules: [reverseTunnel, agentRegistrar, agentConfiguration, proxyModule],
      logger: createLogger({ level: 'silent' }),
    });
    return kas;
  }
  const connectedPods = () =>
    agentRegistrar
      .connectedAgents()
      .list(seed.agentId)
      .map((p) => p.meta?.podName)
      .sort();

  beforeAll(async () => {
    const [api, observability, agent, proxy, privateApi] = await freePorts(5);
    config = loadConfig({
      MOORING_DATA_DIR: dataDir,
      MOORING_ADMIN_PASSWORD: 'admin-password-for-faults',
      MOORING_API_PORT: String(api),
      MOORING_OBSERVABILITY_PORT: String(observability),
      MOORING_AGENT_PORT: String(agent),
      MOORING_PROXY_PORT: String(proxy),
      MOORING_PRIVATE_API_PORT: String(privateApi),
      MOORING_LOG_LEVEL: 'silent',
    });
    const running = await start();
    const demoDir = join(dataDir, 'demo');
    mkdirSync(demoDir, { recursive: true });
    seed = await seedDemo(running.services, demoDir);
    const caFile = join(dataDir, 'tls', 'agent-api', 'ca.crt');
    kubeconfig = join(dataDir, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      buildProxyKubeconfig({
        proxyUrl: running.urls.proxy!,
        caPem: readFileSync(caFile, 'utf8'),
        agentId: seed.agentId,
        token: seed.personalAccessToken,
      }),
    );
    for (const podName of ['agentk-r0', 'agentk-r1'])
      agentks.push(
        spawnAgentk({
          podName,
          kasUrl: `grpcs://127.0.0.1:${running.ports.agent}`,
          tokenFile: seed.agentTokenFile,
          caFile,
          kubeconfig: cluster.agentKubeconfigPath,
        }),
      );
    await until(
      () => `both agentk processes connected (${agentks.map((a) => a.output()).join('\n')})`,
      () => connectedPods().length === 2,
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agentks.map((a) => a.stop(2_000)));
    await kas?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('agentk reconnects by itself and the next kubectl request works', async () => {
    expect(ok(await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name']))).toBe(`namespace/${NS}\n`);
    const pids = agentks.map((a) => a.child.pid);
    const ports = { ...kas!.ports };

    await kas!.stop();
    kas = null;
    const down = await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name'], 10_000);
    expect(down.code).not.toBe(0);
    await sleep(1_000);

    const restarted = await start();
    expect(restarted.ports).toEqual(ports);
    const restartedAt = Date.now();
    let last: KubectlRun | undefined;
    for (let attempt = 0; Date.now() - restartedAt < 60_000; attempt++) {
      last = await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name'], 30_000);
      if (last.code === 0) break;
      await sleep(500);
    }
    expect(last?.code, last?.stderr).toBe(0);
    expect(last?.stdout).toBe(`namespace/${NS}\n`);
    await until('both pods connected again', () => connectedPods().length === 2, 60_000);
    expect(connectedPods()).toEqual(['agentk-r0', 'agentk-r1']);
    // The same processes: agentk reconnected, nobody restarted it.
    expect(agentks.map((a) => a.child.exitCode)).toEqual([null, null]);
    expect(agentks.map((a) => a.child.pid)).toEqual(pids);
    console.log(
      `[faults] kas restart: first request through the proxy worked ${Date.now() - restartedAt} ms after kas was back`,
    );
  }, 120_000);
});

describe('through the proxy world (2 s auth cache)', () => {
  let world: ProxyWorld;
  beforeAll(async () => {
    world = await startProxyWorld(cluster);
  }, 60_000);
  afterAll(async () => {
    await world?.dispose();
  });

  async function newAgent(name: string) {
    const agent = await world.services.agents.register(world.admin, { projectId: world.projectId, name });
    const kubeconfig = world.kubeconfig(world.alicePat.token, 'pat', agent.id);
    return { agentId: agent.id, kubeconfig };
  }
  const createToken = (agentId: number, name: string) =>
    world.services.agentTokens.create(world.admin, agentId, { name });

  it('rotating agent tokens under a request every 200 ms fails no request', async () => {
    const { agentId, kubeconfig } = await newAgent('rotating');
    const first = await createToken(agentId, 'first');
    const old = await world.startAgentk('rot-old', { agentId, token: first.token });

    const failures: string[] = [];
    let requests = 0;
    let running = true;
    const loop = (async () => {
      const loopDeadline = Date.now() + 120_000;
      while (running && Date.now() < loopDeadline) {
        const r = await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name'], 20_000);
        requests++;
        if (r.code !== 0 || r.stdout !== `namespace/${NS}\n`) failures.push(`${r.code}: ${r.stderr}`);
        await sleep(200);
      }
    })();
    try {
      await until('a few requests through the old token', () => requests >= 3, 30_000);
      const second = await createToken(agentId, 'second');
      await world.startAgentk('rot-new', { agentId, token: second.token });
      await sleep(1_000);
      expect(await old.stop(10_000)).toBe(0);
      await sleep(1_000);
      await world.services.agentTokens.revoke(world.admin, first.info.id, agentId);
      const afterRevocation = requests;
      await until('five more requests after the revocation', () => requests >= afterRevocation + 5, 30_000);

      expect(world.agentServer.registry.tunnelsOfToken(first.info.id)).toEqual([]);
      const tunnels = world.agentServer.registry.allTunnels().filter((t) => t.agentId === agentId);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels.map((t) => t.tokenId))).toEqual(new Set([second.info.id]));
    } finally {
      running = false;
      await loop;
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(10);
    console.log(`[faults] token rotation: ${requests} requests, ${failures.length} failed`);
  }, 150_000);

  it('an agentk whose API server is unreachable: kubectl prints the 502 naming the URL', async () => {
    const { agentId, kubeconfig } = await newAgent('unreachable');
    const { token } = await createToken(agentId, 'unreachable');
    const [closedPort] = await freePorts(1);
    const agentKubeconfig = join(world.dir, 'unreachable-agent.kubeconfig.yaml');
    writeFileSync(
      agentKubeconfig,
      readFileSync(cluster.agentKubeconfigPath, 'utf8').replace(
        /server: \S+/,
        `server: https://127.0.0.1:${closedPort}`,
      ),
    );
    const agentk = await world.startAgentk('unreachable-0', {
      agentId,
      token,
      kubeconfig: agentKubeconfig,
    });
    const r = await through(kubeconfig, ['get', 'pods', '-n', NS]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `agentk could not reach its Kubernetes API server at https://127.0.0.1:${closedPort}`,
    );
    expect(r.stderr).toMatch(/ECONNREFUSED|refused/);
    expect(agentk.child.exitCode).toBeNull();
  }, 90_000);

  it('revoking the agent token closes its tunnels at once; requests fail naming the fix', async () => {
    const { agentId, kubeconfig } = await newAgent('revoked');
    const { token, info } = await createToken(agentId, 'doomed');
    const agentk = await world.startAgentk('revoked-0', { agentId, token });
    ok(await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name']));
    expect(world.agentServer.registry.tunnelsOfToken(info.id).length).toBeGreaterThan(0);

    await world.services.agentTokens.revoke(world.admin, info.id, agentId);
    const revokedAt = Date.now();
    await until(
      'the token’s tunnels closed',
      () => world.agentServer.registry.tunnelsOfToken(info.id).length === 0,
      2_000,
    );
    const closedAfterMs = Date.now() - revokedAt;
    const r = await through(kubeconfig, ['get', 'namespace', NS, '-o', 'name']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`agent ${agentId} has no connection to any kas replica`);
    expect(r.stderr).toContain('check that agentk is running and its token is active');
    // agentk keeps running, is refused, and says why.
    await until('agentk reports the revoked token', () => /revoked/.test(agentk.output()), 10_000);
    expect(world.agentServer.registry.tunnelsOfToken(info.id)).toEqual([]);
    console.log(
      `[faults] revocation: tunnels closed ${closedAfterMs} ms after revoke; request failed after ${Date.now() - revokedAt} ms: ${r.stderr.trim()}`,
    );
  }, 90_000);
});

describe('max connection age 5 s during a 60 s watch', () => {
  let world: ProxyWorld;
  beforeAll(async () => {
    world = await startProxyWorld(cluster, {
      maxConnectionAge: { ageMs: 5_000 },
    });
    await world.startAgentk('age-0');
  }, 90_000);
  afterAll(async () => {
    await world?.dispose();
  });

  it('one unbroken kubectl get -w delivers every modification in order', async () => {
    ok(await admin(['create', 'configmap', 'ticker', '-n', NS, '--from-literal=n=0']));
    const kubeconfig = world.kubeconfig(world.alicePat.token);
    const watch = kubectlLong(
      cluster.kubectlPath,
      ['get', 'configmap', 'ticker', '-n', NS, '-w', '-o', 'jsonpath={.data.n}{"\\n"}'],
      { kubeconfig, timeoutMs: 120_000 },
    );
    const lines = () => watch.output().split('\n').filter(Boolean);
    await until(
      () => `the watch lists the configmap (${watch.stderr()})`,
      () => lines().includes('0'),
      30_000,
    );
    const peers = new Set<string>();
    const sample = setInterval(() => {
      for (const t of world.agentServer.registry.allTunnels()) peers.add(t.stream.getPeer());
    }, 200);
    let exitedAfterMs: number | undefined;
    const started = Date.now();
    void watch.exited.then(() => (exitedAfterMs = Date.now() - started));
    let n = 0;
    const shortCalls: string[] = [];
    try {
      while (Date.now() - started < 60_000 && exitedAfterMs === undefined) {
        await sleep(2_000);
        n++;
        const patch = JSON.stringify({ data: { n: String(n) } });
        ok(await admin(['patch', 'configmap', 'ticker', '-n', NS, '-p', patch]));
        // New calls meanwhile go through tunnels on fresh connections.
        if (n % 5 === 0)
          shortCalls.push(
            ok(await through(kubeconfig, ['get', 'configmap', 'ticker', '-n', NS, '-o', 'name'])),
          );
      }
      expect(exitedAfterMs, `the watch exited: ${watch.stderr()}; saw ${lines().join(',')}`).toBeUndefined();
      await until(
        () => `the watch delivered all ${n} modifications (${lines().join(',')})`,
        () => lines().length >= n + 1,
        10_000,
      );
      expect(lines()).toEqual(Array.from({ length: n + 1 }, (_, i) => String(i)));
      expect(watch.stderr()).toBe('');
      expect(exitedAfterMs).toBeUndefined();
      expect(shortCalls).toEqual(Array.from({ length: Math.floor(n / 5) }, () => 'configmap/ticker\n'));
      // The age applied: tunnels came over many connections, and the in-flight watch outlived its own (the grace,
      // 65 % of the age, ends it): kas re-opened it from the last resourceVersion through a fresh tunnel.
      expect(peers.size).toBeGreaterThan(2);
      const resumes = (
        await world.metrics.getSingleMetric('mooring_kas_k8s_proxy_watch_resumes_total')!.get()
      ).values[0]?.value;
      expect(resumes).toBeGreaterThan(0);
      console.log(
        `[faults] max age 5 s: one watch, ${n} modifications in order over ${Date.now() - started} ms; ` +
          `tunnels seen on ${peers.size} connections; watch resumed ${resumes} times`,
      );
    } finally {
      clearInterval(sample);
      await watch.stop();
    }
  }, 150_000);
});
