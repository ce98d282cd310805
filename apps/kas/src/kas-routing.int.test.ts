// kas-to-kas routing end to end: two kas replicas in this process on one PostgreSQL and one Redis (the tunnel
// tracker), a real agentk on the run's cluster connected to replica B only, and the cluster's own kubectl talking to
// replica A's proxy. A holds no tunnel of the agent, so every request is routed through B's private API: get, a
// watch that sees an object created meanwhile, and a large list. The metrics say which side did what.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agentk } from '@mooring/agentk';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { createFreshNamespace, deleteNamespace, kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import { kubectlLong } from '@mooring/modules/kubernetes_api/server/testing/kubectl-runner';
import { startTestRedis, type TestRedis } from '@mooring/modules/shared/testing/redis';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKas, type RunningKas } from './kas';
import { createLogger } from './logger';
import { defaultModules } from './modules';
import { startClusterAgentk } from './testing/cluster-agentk';
import { loopbackTestConfig } from './testing/loopback-config';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

const routed = async (kas: RunningKas, side: 'gateway' | 'router', outcome: string) => {
  const metric = (await kas.metrics.getSingleMetric('mooring_kas_routed_calls_total')?.get())?.values ?? [];
  return metric.find((v) => v.labels['side'] === side && v.labels['outcome'] === outcome)?.value ?? 0;
};

describe('kas-to-kas routing: kubectl on replica A reaches an agent connected to replica B', () => {
  let pg: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let a: RunningKas | undefined;
  let b: RunningKas | undefined;
  let agentk: Agentk | undefined;
  let w: HttpWorld;
  let kubeconfig: string;
  let ns: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kas-routing-'));

  beforeAll(async () => {
    pg = await startTestPostgres();
    redis = await startTestRedis();
    const env = {
      ...sharedReplicaEnv(pg.url, redis.url),
    };
    const start = (name: string) =>
      startKas(loopbackTestConfig(path.join(dir, name), env), {
        modules: defaultModules(),
        replica: `kas-${name}`,
        redisKeyPrefix: redis!.keyPrefix,
        logger: createLogger({ level: 'warn' }),
      });
    // One after the other: the first migrates the fresh database.
    a = await start('a');
    b = await start('b');
    w = await buildHttpWorld({
      apiUrl: a.urls.api,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'k' });
    expect(token.status, token.text).toBe(201);
    agentk = await startClusterAgentk(b, token.body.secret, 'agentk-routing-0');
    const made = await w.admin.post<{ filename: string; yaml: string }>('/api/v1/kubeconfig', {
      agentIds: [w.agentId],
    });
    expect(made.status, made.text).toBe(201);
    kubeconfig = path.join(dir, made.body.filename);
    fs.writeFileSync(kubeconfig, made.body.yaml, { mode: 0o600 });
    expect(made.body.yaml).toContain(a.urls.proxy);
    ns = await createFreshNamespace();
  }, 180_000);

  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
    await agentk?.stop(2_000);
    await a?.stop();
    await b?.stop();
    await redis?.stop();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('routes get, watch and a large list through the replica holding the tunnels', async () => {
    expect(a!.urls.privateApi).toMatch(/^grpc:\/\/127\.0\.0\.1:\d+$/);
    const started = performance.now();
    const got = await kubectl(['get', 'namespace', 'default', '-o', 'name'], { kubeconfig });
    expect(got.stderr).toBe('');
    expect(got.stdout.trim()).toBe('namespace/default');
    console.log(`first routed kubectl get: ${Math.round(performance.now() - started)} ms`);
    expect(await routed(a!, 'gateway', 'won')).toBeGreaterThan(0);
    expect(await routed(b!, 'router', 'ready')).toBeGreaterThan(0);

    // A watch through the route sees an object created after it started (a response that never ends).
    const watchStarted = performance.now();
    const watch = kubectlLong(
      kubeCluster().kubectlPath,
      ['get', 'configmaps', '-n', ns, '-w', '-o', 'name'],
      {
        kubeconfig,
      },
    );
    try {
      await until(
        'the routed watch to list the namespace',
        () => watch.output().includes('kube-root-ca.crt'),
        60_000,
      );
      const created = await kubectl(['create', 'configmap', 'routed-watch', '-n', ns, '--from-literal=k=v']);
      expect(created.code, created.stderr).toBe(0);
      await until(
        'the routed watch to see the new ConfigMap',
        () => watch.output().includes('routed-watch'),
        60_000,
      );
      console.log(
        `routed watch saw the new ConfigMap after ${Math.round(performance.now() - watchStarted)} ms`,
      );
    } finally {
      await watch.stop();
    }

    // A large body both ways: 40 ConfigMaps of ~100 KiB listed through the route.
    const value = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 40; i++) {
      const cm = await kubectl(['create', 'configmap', `big-${i}`, '-n', ns, `--from-literal=v=${value}`]);
      expect(cm.code, cm.stderr).toBe(0);
    }
    const listStarted = performance.now();
    const list = await kubectl(['get', 'configmaps', '-n', ns, '-o', 'json'], { kubeconfig });
    expect(list.code, list.stderr).toBe(0);
    const items = (
      JSON.parse(list.stdout) as { items: { metadata: { name: string }; data?: { v?: string } }[] }
    ).items;
    expect(items.filter((i) => i.metadata.name.startsWith('big-') && i.data?.v === value)).toHaveLength(40);
    console.log(`routed list of 40 × 100 KiB ConfigMaps: ${Math.round(performance.now() - listStarted)} ms`);

    // Every call above went through the route: A won routes, B served them; B never routed anything itself.
    expect(await routed(a!, 'gateway', 'won')).toBeGreaterThanOrEqual(4);
    expect(await routed(b!, 'router', 'ready')).toBeGreaterThanOrEqual(4);
    expect(await routed(b!, 'gateway', 'won')).toBe(0);
  }, 240_000);
});
