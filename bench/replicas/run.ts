// What kas-to-kas routing costs (`pnpm exec tsx bench/replicas/run.ts [--n 300]`): two kas replicas in this process
// on one PostgreSQL and one Redis, a real agentk on a local cluster connected to replica B only. The same GET
// (`/api/v1/namespaces/default`) through replica A's proxy (routed over the private API to B) and through B's own
// proxy (the replica holding the tunnel), interleaved one by one on warm keep-alive connections; then the config
// fan-out delay: a configuration saved through A until agentk (its stream on B) has it. Prints medians and p99 in ms;
// asserts nothing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig, startAgentk } from '@mooring/agentk';
import { startCluster } from '@mooring/kube-dev';
import { startTestRedis } from '@mooring/modules/shared/testing/redis';
import pino from 'pino';
import { parse } from 'yaml';
import { startTestPostgres } from '../../packages/db/src/testing/postgres';
import { startKas, type RunningKas } from '../../apps/kas/src/kas';
import { createLogger } from '../../apps/kas/src/logger';
import { defaultModules } from '../../apps/kas/src/modules';
import { RestClient } from '../../apps/kas/src/testing/api-client';
import { loopbackTestConfig } from '../../apps/kas/src/testing/loopback-config';
import { summarize } from '../tunnel/stats';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 300);
const FANOUTS = arg('fanouts', 15);
const WARMUP = 30;
const say = (line: string) => console.log(`[bench] ${line}`);
const ok = <T>(res: { status: number; text: string; body: T }, what: string, status = 201): T => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.body;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-bench-replicas-'));
const cleanups: Array<() => Promise<unknown>> = [];
try {
  say('starting a local cluster, PostgreSQL and Redis…');
  const cluster = await startCluster({ name: 'bench-replicas', nodes: 1 });
  cleanups.push(() => cluster.stop());
  const pg = await startTestPostgres();
  cleanups.push(() => pg.stop());
  const redis = await startTestRedis();
  cleanups.push(() => redis.stop());
  const env = {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    MOORING_SECRET: randomBytes(32).toString('base64'),
    MOORING_ADMIN_PASSWORD: 'bench-admin-password',
  };
  const start = async (name: string): Promise<RunningKas> => {
    const kas = await startKas(loopbackTestConfig(path.join(dir, name), env), {
      modules: defaultModules(),
      replica: `kas-${name}`,
      redisKeyPrefix: redis.keyPrefix,
      logger: createLogger({ level: 'error' }),
    });
    cleanups.push(() => kas.stop());
    return kas;
  };
  const a = await start('a');
  const b = await start('b');

  const admin = new RestClient(a.urls.api);
  if ((await admin.login('admin', env.MOORING_ADMIN_PASSWORD)).status !== 200)
    throw new Error('admin login failed');
  const group = ok(
    await admin.post<{ id: number }>('/api/v1/groups', { name: 'Bench', path: 'bench' }),
    'group',
  );
  const project = ok(
    await admin.post<{ id: number }>('/api/v1/projects', { groupId: group.id, name: 'Prod', path: 'prod' }),
    'project',
  );
  const agent = ok(
    await admin.post<{ id: number }>(`/api/v1/projects/${project.id}/agents`, { name: 'cluster' }),
    'agent',
  );
  const token = ok(
    await admin.post<{ secret: string }>(`/api/v1/agents/${agent.id}/tokens`, { name: 'k' }),
    'token',
  );
  const agentk = await startAgentk({
    kasAddress: b.urls.agent!,
    token: token.secret,
    caCertPem: fs.readFileSync(b.urls.agentCaFile!),
    kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
    podName: 'agentk-bench-0',
    podNamespace: cluster.agentNamespace,
    logger: pino({ level: 'silent' }),
  });
  cleanups.push(() => agentk.stop(2_000));
  await agentk.registered;

  const made = ok(
    await admin.post<{ yaml: string }>('/api/v1/kubeconfig', { agentIds: [agent.id] }),
    'kubeconfig',
  );
  const kubeconfig = parse(made.yaml) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const ca = Buffer.from(kubeconfig.clusters[0]!.cluster['certificate-authority-data'], 'base64');
  const bearer = kubeconfig.users[0]!.user.token;
  const keepAlive = new https.Agent({ keepAlive: true, ca, maxSockets: 1 });
  const get = (proxyUrl: string) => {
    const started = performance.now();
    return new Promise<number>((resolve, reject) => {
      https
        .get(
          `${proxyUrl}/api/v1/namespaces/default`,
          { agent: keepAlive, headers: { authorization: `Bearer ${bearer}` } },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200
                ? resolve(performance.now() - started)
                : reject(new Error(`${proxyUrl}: ${res.statusCode}`)),
            );
          },
        )
        .on('error', reject);
    });
  };
  const routedProxy = a.urls.proxy!.replace(/\/$/, '');
  const holderProxy = b.urls.proxy!.replace(/\/$/, '');

  say(`measuring ${N} GETs each, interleaved (after ${WARMUP} warm-up each)…`);
  const routed: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const r = await get(routedProxy);
    const d = await get(holderProxy);
    if (i >= WARMUP) {
      routed.push(r);
      direct.push(d);
    }
  }

  say(`measuring the config fan-out ${FANOUTS} times…`);
  const fanout: number[] = [];
  for (let i = 0; i < FANOUTS; i++) {
    const savedAt = performance.now();
    const saved = ok(
      await admin.post<{ version: number }>(`/api/v1/agents/${agent.id}/configs`, {
        yaml: `observability:\n  logging:\n    level: ${i % 2 ? 'error' : 'warn'}\n`,
      }),
      'config',
    );
    const deadline = performance.now() + 30_000;
    while (agentk.config()?.version !== String(saved.version)) {
      if (performance.now() > deadline)
        throw new Error(`config v${saved.version} did not reach agentk in 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    fanout.push(performance.now() - savedAt);
  }

  const row = (label: string, values: number[]) => {
    const { p50, p99 } = summarize(values);
    return `  ${label.padEnd(44)} p50 ${p50.toFixed(1).padStart(6)} ms   p99 ${p99.toFixed(1).padStart(6)} ms`;
  };
  console.log(
    `\nbench/replicas: load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(row('GET through the replica holding the tunnel', direct));
  console.log(row('GET routed from another replica', routed));
  console.log(
    `  routing adds                                 p50 ${(summarize(routed).p50 - summarize(direct).p50).toFixed(1).padStart(6)} ms   p99 ${(summarize(routed).p99 - summarize(direct).p99).toFixed(1).padStart(6)} ms`,
  );
  console.log(row('config saved on A until agentk (on B) has it', fanout));
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}
