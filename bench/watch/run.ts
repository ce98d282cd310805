// Watch benchmark (`pnpm exec tsx bench/watch/run.ts`): live objects through Mooring (agentk's object cache → real
// tunnel → kas's ObjectWatchHub → viewers) against a direct watch on kube-apiserver, in the same run, printed as
// ratios. Not part of `pnpm test`; nothing here asserts speed. See bench/README.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, type KubeCluster } from '@mooring/kube-dev';
import { until } from '@mooring/modules/shared/testing/until';
import { httpsRequest } from '../tunnel/bench-http';
import { killAll, runBench } from '../tunnel/run-bench';
import { fmt, printTable, summarize, type Row } from '../tunnel/stats';
import { commandClient, epochMs, type Memory } from './protocol';
import { createPods, deletePodNamespace, podManifest, type PodTarget } from './pods';
import { startMooringPath } from './mooring-path';
import { rssOfPid, type ViewerPath } from './viewer-path';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const list = (name: string, fallback: string) => option(name, fallback).split(',').map(Number);
const REPS = Number(option('reps', '3'));
const EVENTS = Number(option('events', '100'));
const VIEWERS = list('viewers', '1,100');
const PODS = list('pods', '10000,50000');
const ONLY = new Set(option('only', 'delay,memory,pods').split(','));
const cpuProfAt = argv.indexOf('--cpu-prof');
const PROFILE_ARGS = cpuProfAt >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${argv[cpuProfAt + 1]}`] : [];
/** `--direct-only`: the baseline alone (the figures of the direct path, no kas or agentk). */
const DIRECT_ONLY = argv.includes('--direct-only');
for (const [name, values, max] of [
  ['reps', [REPS], 20],
  ['events', [EVENTS], 2000],
  ['viewers', VIEWERS, 1000],
  ['pods', PODS, 100_000],
] as const)
  for (const v of values)
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new Error(`--${name}: integers from 1 to ${max}, got ${v}`);

const here = fileURLToPath(new URL('.', import.meta.url));
const children: ChildProcess[] = [];
const rows: Row[] = [];
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const MiB = 1024 * 1024;
/** Where the delay events happen: `delayPods` pods whose `seq` label changes once per event. */
const delayNamespace = 'bench-watch';
const delayPods = 10;
/** Where the many pods go (agentk memory). */
const bulkNamespace = 'bench-pods';
/** How long the caches may take to hold every pod created. */
const podWaitMs = Number(process.env.BENCH_POD_WAIT_MS ?? 600_000);

function spawnChild(
  file: string,
  args: string[],
  options: { nodeArgs?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const nodeArgs = ['--expose-gc', ...(options.nodeArgs ?? []), '--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeArgs, file, ...args], {
    cwd: options.cwd ?? here,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  child.stdout!.on(
    'data',
    (d: Buffer) => process.env.BENCH_VERBOSE && file === 'src/main.ts' && process.stderr.write(d),
  );
  return child;
}

function patchSeq(target: PodTarget, agent: https.Agent, pod: string, seq: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${target.server}/api/v1/namespaces/${delayNamespace}/pods/${pod}`,
      {
        method: 'PATCH',
        agent,
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/merge-patch+json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ metadata: { labels: { seq } } }));
  });
}

interface Report {
  viewers: Record<string, number[]>[];
}

/** Delays (ms) of every event at every viewer, and how many (viewer, event) pairs never arrived. */
function delaysOf(report: Report, sent: Map<string, number>): { delays: number[]; missed: number } {
  const delays: number[] = [];
  let missed = 0;
  for (const seen of report.viewers)
    for (const [seq, at] of sent) {
      const arrival = seen[seq]?.[0];
      if (arrival === undefined) missed++;
      else delays.push(arrival - at);
    }
  return { delays, missed };
}

/**
 * One repetition of the delay row for `viewers` viewers on every path: opens them, changes `EVENTS` pods 20 ms
 * apart, waits until every viewer has every event (bounded), closes them.
 */
async function delayRound(paths: ViewerPath[], target: PodTarget, viewers: number, round: string) {
  for (const path of paths) await path.ask({ cmd: 'open', viewers, namespace: delayNamespace });
  const agent = new https.Agent({ keepAlive: true, ca: target.ca });
  const sent = new Map<string, number>();
  try {
    for (let i = 0; i < EVENTS; i++) {
      const seq = `${round}-${i}`;
      sent.set(seq, epochMs());
      const status = await patchSeq(target, agent, `delay-${i % delayPods}`, seq);
      if (status !== 200) throw new Error(`patching delay-${i % delayPods} answered ${status}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    agent.destroy();
  }
  const reports = new Map<string, Report>();
  for (const path of paths) reports.set(path.name, { viewers: Array.from({ length: viewers }, () => ({})) });
  const last = `${round}-${EVENTS - 1}`;
  // Bounded: a viewer that lost its watch (kube-apiserver ends watchers too slow to keep up) is counted as missed.
  await until(
    `every viewer to receive event ${last}`,
    async () => {
      for (const path of paths) {
        const report = await path.ask<Report>({ cmd: 'report' });
        const into = reports.get(path.name)!;
        report.viewers.forEach((seen, v) => {
          for (const [seq, times] of Object.entries(seen)) (into.viewers[v]![seq] ??= []).push(...times);
        });
      }
      return [...reports.values()].every((r) => r.viewers.every((seen) => seen[last]));
    },
    30_000,
  ).catch((error: unknown) => log(`delay: ${(error as Error).message.slice(0, 200)}`));
  for (const path of paths) await path.ask({ cmd: 'close' });
  return new Map(
    [...reports].map(([name, report]) => {
      const { delays, missed } = delaysOf(report, sent);
      return [name, { ...summarize(delays), missed }];
    }),
  );
}

const missedText = (missed: number) => (missed ? `, ${missed} missed` : '');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const spread = (values: number[], f: (n: number) => string) =>
  `${f(median(values))} [${f(Math.min(...values))}–${f(Math.max(...values))}]`;

async function delayRows(paths: ViewerPath[], target: PodTarget): Promise<void> {
  const byViewers = new Map<number, Map<string, { p50: number[]; p99: number[]; missed: number }>>();
  // One uncounted round warms the JIT of every process on the path.
  await delayRound(paths, target, 1, 'warm');
  for (let rep = 0; rep < REPS; rep++) {
    // Interleaved: the viewer counts rotate per repetition; both paths see the same events at the same time.
    const order = rep % 2 === 0 ? VIEWERS : [...VIEWERS].reverse();
    for (const viewers of order) {
      log(`delay: repetition ${rep + 1}/${REPS}, ${viewers} viewer(s) per path, ${EVENTS} events`);
      const result = await delayRound(paths, target, viewers, `r${rep}v${viewers}`);
      const perPath = byViewers.get(viewers) ?? new Map();
      for (const [name, s] of result) {
        const entry = perPath.get(name) ?? { p50: [], p99: [], missed: 0 };
        entry.p50.push(s.p50);
        entry.p99.push(s.p99);
        entry.missed += s.missed;
        perPath.set(name, entry);
      }
      byViewers.set(viewers, perPath);
    }
  }
  for (const viewers of VIEWERS) {
    const perPath = byViewers.get(viewers)!;
    const direct = perPath.get('direct')!;
    const mooring = perPath.get('mooring');
    for (const p of ['p50', 'p99'] as const) {
      const added = mooring ? mooring[p].map((m, i) => m - direct[p][i]!) : [];
      rows.push({
        metric: `event delay ${p}, ${viewers} viewer${viewers > 1 ? 's' : ''}`,
        direct: spread(direct[p], fmt.ms) + missedText(direct.missed),
        proxy: mooring ? spread(mooring[p], fmt.ms) + missedText(mooring.missed) : 'n/a (--direct-only)',
        ratio: mooring
          ? `+${fmt.ms(median(added))} (×${(median(mooring[p]) / median(direct[p])).toFixed(2)})`
          : '-',
        goal: p === 'p99' ? 'added ≤ 5 ms' : '-',
      });
    }
  }
}

/** kas's memory per upstream watch and per viewer; kube-apiserver's per direct watch as the reference. */
async function memoryRows(paths: ViewerPath[], cluster: KubeCluster): Promise<void> {
  const direct = paths.find((p) => p.name === 'direct')!;
  const mooring = paths.find((p) => p.name === 'mooring');
  const apiserverPid = cluster.pids['kube-apiserver']!;
  const watches = 100;
  const settle = () => new Promise((r) => setTimeout(r, 2000));
  await settle();
  const apiserver0 = rssOfPid(apiserverPid);
  await direct.ask({ cmd: 'open', viewers: watches, namespace: delayNamespace });
  await settle();
  const perDirectWatch = (rssOfPid(apiserverPid) - apiserver0) / watches;
  await direct.ask({ cmd: 'close' });
  const directText = `${fmt.kib(perDirectWatch / 1024)} (kube-apiserver RSS per direct watch)`;
  if (!mooring) {
    rows.push({
      metric: `memory per watch (${watches} watches)`,
      direct: directText,
      proxy: 'n/a',
      ratio: '-',
      goal: '-',
    });
    return;
  }
  // kube-apiserver's RSS per watch is the reference; below a page or so per watch it is noise, not a figure.
  const versusDirect = (bytes: number, n: number) =>
    perDirectWatch >= 4096
      ? `×${(bytes / n / perDirectWatch).toFixed(2)} (kas heap ÷ apiserver RSS)`
      : 'apiserver: below noise';
  const kas0 = await mooring.ask<Memory>({ cmd: 'mem' });
  // Upstreams: one viewer on each of `upstreams` different keys (a label selector each), so each is its own watch.
  const upstreams = 50;
  for (let i = 0; i < upstreams; i++)
    await mooring.ask({ cmd: 'open', viewers: 1, namespace: delayNamespace, labelSelector: `bucket=${i}` });
  const kas1 = await mooring.ask<Memory>({ cmd: 'mem' });
  await mooring.ask({ cmd: 'close' });
  await mooring.ask({ cmd: 'open', viewers: 1, namespace: delayNamespace });
  const kas2 = await mooring.ask<Memory>({ cmd: 'mem' });
  await mooring.ask({ cmd: 'open', viewers: watches, namespace: delayNamespace });
  const kas3 = await mooring.ask<Memory>({ cmd: 'mem' });
  await mooring.ask({ cmd: 'close' });
  const perUpstream = (kas1.rss - kas0.rss) / upstreams;
  const perViewer = (kas3.rss - kas2.rss) / watches;
  const heapText = (from: Memory, to: Memory, n: number) =>
    `heap ${fmt.kib((to.heap - from.heap) / n / 1024)}`;
  rows.push({
    metric: `kas memory per upstream watch (${upstreams})`,
    direct: directText,
    proxy: `${heapText(kas0, kas1, upstreams)}, RSS ${fmt.kib(perUpstream / 1024)}`,
    ratio: versusDirect(kas1.heap - kas0.heap, upstreams),
    goal: '-',
  });
  rows.push({
    metric: `kas memory per viewer (${watches} on one upstream)`,
    direct: directText,
    proxy: `${heapText(kas2, kas3, watches)}, RSS ${fmt.kib(perViewer / 1024)}`,
    ratio: versusDirect(kas3.heap - kas2.heap, watches),
    goal: '-',
  });
}

/** agentk's RSS with N pods in the cluster against a direct informer holding the same pods as full objects. */
async function podRows(paths: ViewerPath[], target: PodTarget, cluster: KubeCluster): Promise<void> {
  const ready = async (total: number) => {
    for (const path of paths) {
      let held = 0;
      await until(
        () => `${path.name} to hold ${total} pods (holds ${held})`,
        async () => (held = (await path.ask<{ objects: number }>({ cmd: 'count' })).objects) >= total,
        podWaitMs,
      );
    }
    // Let kwok's status updates and the caches settle before reading memory.
    await new Promise((r) => setTimeout(r, 5000));
  };
  const base = await Promise.all(paths.map((p) => p.ask<{ objects: number }>({ cmd: 'cache' }, 600_000)));
  const startCount = Math.max(...base.map((b) => b.objects));
  await ready(startCount);
  const cacheMemory = async () =>
    new Map(await Promise.all(paths.map(async (p) => [p.name, await p.cacheMemory()] as const)));
  const memory0 = await cacheMemory();
  let created = 0;
  try {
    for (const count of [...PODS].sort((a, b) => a - b)) {
      log(`pods: creating ${count - created} pods (to ${count}) on ${cluster.nodeNames.length} kwok nodes`);
      await createPods(target, {
        namespace: bulkNamespace,
        prefix: 'p',
        from: created,
        count: count - created,
        nodeNames: cluster.nodeNames,
        labels: { bench: 'bulk' },
        log,
      });
      created = count;
      await ready(startCount + count);
      const memory = await cacheMemory();
      const direct = memory.get('direct')!;
      const mooring = memory.get('mooring');
      const text = (name: ViewerPath['name'], at: Memory) => {
        const from = memory0.get(name)!;
        const mib = (n: number) => (n / MiB).toFixed(0);
        return `RSS ${mib(at.rss)} MiB (+${mib(at.rss - from.rss)}), heap ${mib(at.heap)} MiB (+${mib(at.heap - from.heap)})`;
      };
      rows.push({
        metric: `cache memory after GC, ${count} pods`,
        direct: `${text('direct', direct)}, direct informer (full objects)`,
        proxy: mooring === undefined ? 'n/a' : `${text('mooring', mooring)}, agentk (default set)`,
        ratio:
          mooring === undefined
            ? '-'
            : `RSS ×${(mooring.rss / direct.rss).toFixed(2)}, heap Δ ×${((mooring.heap - memory0.get('mooring')!.heap) / (direct.heap - memory0.get('direct')!.heap)).toFixed(2)}`,
        goal: count === 10_000 ? 'agentk ≤ 150 MiB' : '-',
      });
    }
  } finally {
    log('pods: deleting the bulk pods');
    await deletePodNamespace(target, bulkNamespace).catch((error: unknown) => log(String(error)));
  }
}

async function setUpNamespaces(target: PodTarget, cluster: KubeCluster): Promise<void> {
  const auth = { ca: target.ca, authorization: `Bearer ${target.token}` };
  for (const name of [delayNamespace, bulkNamespace]) {
    const r = await httpsRequest(
      `${target.server}/api/v1/namespaces`,
      auth,
      'POST',
      JSON.stringify({ metadata: { name } }),
    );
    if (r.status !== 201) throw new Error(`creating namespace ${name} answered ${r.status}`);
    await until(`the default ServiceAccount in ${name}`, async () => {
      const sa = await httpsRequest(
        `${target.server}/api/v1/namespaces/${name}/serviceaccounts/default`,
        auth,
      );
      return sa.status === 200;
    });
  }
  for (let i = 0; i < delayPods; i++) {
    const body = podManifest(`delay-${i}`, cluster.nodeNames[i % cluster.nodeNames.length]!, {
      bucket: `${i}`,
    });
    const r = await httpsRequest(
      `${target.server}/api/v1/namespaces/${delayNamespace}/pods`,
      auth,
      'POST',
      body,
    );
    if (r.status !== 201) throw new Error(`creating pod delay-${i} answered ${r.status}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-watch-'));
  log('starting the local cluster');
  const cluster = await startCluster({ nodes: 4 });
  try {
    const ca = Buffer.from(cluster.caData, 'base64').toString();
    const target: PodTarget = { server: cluster.server, ca, token: cluster.adminToken };
    await setUpNamespaces(target, cluster);
    writeFileSync(join(dir, 'ca.pem'), ca);
    writeFileSync(join(dir, 'agent-token'), cluster.agentToken, { mode: 0o600 });
    // The direct viewers watch as agentk's ServiceAccount, the identity agentk's own watches use.
    const directChild = spawnChild('direct-viewers.ts', [
      cluster.server,
      join(dir, 'ca.pem'),
      join(dir, 'agent-token'),
    ]);
    const direct: ViewerPath = {
      name: 'direct',
      ask: commandClient(directChild, 'direct-viewers').ask,
      cacheMemory: () => direct.ask<Memory>({ cmd: 'mem' }),
    };
    const paths: ViewerPath[] = [direct];
    if (!DIRECT_ONLY) {
      log('starting kas (agent listener + ObjectWatchHub) and agentk');
      const maxPods = Math.max(...PODS);
      paths.push(await startMooringPath({ cluster, dir, maxPods, spawnChild, profileArgs: PROFILE_ARGS }));
    }
    if (ONLY.has('delay')) await delayRows(paths, target);
    if (ONLY.has('memory')) await memoryRows(paths, cluster);
    if (ONLY.has('pods')) await podRows(paths, target, cluster);
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    killAll(children)();
    await cluster.stop();
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`bench/watch: reps ${REPS}, ${EVENTS} events a round, load average ${load}\n`);
  printTable(rows);
}

// Stopped from outside (Ctrl-C, a timeout): the children go too; agentk would otherwise outlive the run.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll(children)();
    process.exit(130);
  });
runBench(main, killAll(children));
