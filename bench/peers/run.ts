// Peers benchmark (`pnpm exec tsx bench/peers/run.ts [--reps 3] [--http2]`): the same Go load client against three
// paths to one local cluster, in one run, interleaved per repetition:
//   direct        client → kube-apiserver
//   Mooring       client → kas's Kubernetes API proxy → gRPC reverse tunnel → agentk → kube-apiserver
//   remotedialer  client → remotedialer server → websocket tunnel → remotedialer agent → kube-apiserver
// and prints one markdown table of medians and [min–max] against the direct path. Not part of `pnpm test`; nothing
// here asserts speed. Progress goes to stderr, the table to stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster, type KubeCluster } from '@mooring/kube-dev';
import { z } from 'zod';
import { fillBenchPodLog, startBenchPod } from '../tunnel/bench-pod';
import { ensureBenchBinaries } from './build';
import { killChildren, stopChildren } from './children';
import { runLoad, type LoadRun, type PathTarget } from './load';
import { httpsRequest } from '../tunnel/bench-http';
import { directPath, startMooring, startRemotedialer } from './paths';
import { mooringIdleKiB, remotedialerIdleKiB } from './idle-agents';
import { clockTicksPerSecond, cpuSeconds } from '../tunnel/proc-stat';
import { buildTable, paths, type PathFigures, type PathName, type Repetition } from './table';
import { runBench } from '../tunnel/run-bench';

const Options = z.object({
  reps: z.coerce.number().int().min(1).max(20).default(3),
  'list-mib': z.coerce.number().int().min(1).max(400).default(95),
  'log-mib': z.coerce.number().int().min(1).max(1024).default(100),
  'latency-n': z.coerce.number().int().min(10).max(100_000).default(300),
  'concurrent-n': z.coerce.number().int().min(16).max(1_000_000).default(3000),
  workers: z.coerce.number().int().min(1).max(256).default(16),
  'idle-agents': z.coerce.number().int().min(0).max(5000).default(1000),
  http2: z.boolean().default(false),
});
type Options = z.infer<typeof Options>;

const usage = `usage: pnpm exec tsx bench/peers/run.ts [--reps 3] [--list-mib 95] [--log-mib 100] [--latency-n 300]
       [--concurrent-n 3000] [--workers 16] [--idle-agents 1000 (0: no idle-agent row)] [--http2]`;

function readOptions(): Options {
  const stringOption = { type: 'string' } as const;
  const { values } = parseArgs({
    options: {
      reps: stringOption,
      'list-mib': stringOption,
      'log-mib': stringOption,
      'latency-n': stringOption,
      'concurrent-n': stringOption,
      workers: stringOption,
      'idle-agents': stringOption,
      http2: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = Options.safeParse(values);
  if (!parsed.success)
    throw new Error(
      `${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n${usage}`,
    );
  return parsed.data;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** ConfigMaps of ~900 KiB each (ConfigMaps hold at most 1 MiB) in `ns`, ~`mib` MiB in all. */
async function createBigConfigMaps(cluster: KubeCluster, ns: string, mib: number): Promise<void> {
  const ca = Buffer.from(cluster.caData, 'base64').toString();
  const api = `${cluster.server}/api/v1/namespaces`;
  const call = async (url: string, object: object) => {
    const r = await httpsRequest(
      url,
      { ca, authorization: `Bearer ${cluster.adminToken}` },
      'POST',
      JSON.stringify(object),
    );
    if (r.status !== 201)
      throw new Error(`creating ${url} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
  };
  await call(api, { metadata: { name: ns } });
  const value = 'x'.repeat(900 * 1024);
  const count = Math.ceil((mib * 1024) / 900);
  for (let i = 0; i < count; i++)
    await call(`${api}/${ns}/configmaps`, { metadata: { name: `big-${i}` }, data: { d: value } });
}

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, i) => items[(i + by) % items.length]!);

const smallGet = '/api/v1/namespaces/default';
const bigList = '/api/v1/namespaces/bench-list/configmaps';
const podLog = '/api/v1/namespaces/bench/pods/bench/log';

/** One repetition: each row for every path back to back, in `order`. */
async function repetition(
  loadclient: string,
  idle: (p: Exclude<PathName, 'direct'>) => Promise<number>,
  targets: Record<PathName, PathTarget>,
  order: PathName[],
  o: Options,
  tag: string,
): Promise<{ figures: Repetition; listBytes: number; logBytes: number }> {
  const figures = Object.fromEntries(paths.map((p) => [p, {}])) as Record<PathName, Partial<PathFigures>>;
  const load = (p: PathName, run: Pick<LoadRun, 'mode' | 'urlPath' | 'n'>) =>
    runLoad(loadclient, targets[p], { ...run, workers: o.workers, http2: o.http2 });
  const say = (p: PathName, row: string, text: string) =>
    log(`${tag} ${row.padEnd(10)} ${p.padEnd(12)} ${text}`);
  const ticks = clockTicksPerSecond();
  let listBytes = 0;
  let logBytes = 0;
  for (const p of order) {
    const r = await load(p, { mode: 'latency', urlPath: smallGet, n: o['latency-n'] });
    Object.assign(figures[p], { proto: r.proto, p50Us: r.p50_us!, p99Us: r.p99_us! });
    say(p, 'latency', `p50 ${Math.round(r.p50_us!)} µs, p99 ${Math.round(r.p99_us!)} µs (${r.proto})`);
  }
  for (const p of order) {
    const pids = targets[p].processes;
    const before = cpuSeconds(Object.values(pids), ticks);
    const r = await load(p, { mode: 'concurrent', urlPath: smallGet, n: o['concurrent-n'] });
    const after = cpuSeconds(Object.values(pids), ticks);
    const cpuParts = Object.fromEntries(
      Object.keys(pids).map((name, i) => [name, ((after[i]! - before[i]!) / r.total_requests) * 1e6]),
    );
    const cpuUsPerRequest = Object.values(cpuParts).reduce((a, b) => a + b, 0);
    Object.assign(figures[p], { rps: r.rps!, cpuParts, cpuUsPerRequest });
    say(p, 'concurrent', `${Math.round(r.rps!)} req/s, ${Math.round(cpuUsPerRequest)} µs CPU/request`);
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  for (const p of order) {
    const r = await load(p, { mode: 'throughput', urlPath: bigList, n: 1 });
    figures[p].listMiBps = r.mibps!;
    if (p === 'direct') listBytes = r.bytes!;
    say(p, 'list', `${r.mibps!.toFixed(1)} MiB/s (${mib(r.bytes!)})`);
  }
  for (const p of order) {
    const r = await load(p, { mode: 'throughput', urlPath: podLog, n: 1 });
    figures[p].logMiBps = r.mibps!;
    if (p === 'direct') logBytes = r.bytes!;
    say(p, 'log', `${r.mibps!.toFixed(1)} MiB/s (${mib(r.bytes!)})`);
  }
  if (o['idle-agents'] > 0)
    for (const p of order) {
      if (p === 'direct') continue;
      figures[p].idleRssKiB = await idle(p);
      say(p, 'idle', `${figures[p].idleRssKiB!.toFixed(1)} KiB server RSS per idle agent`);
    }
  return { figures: figures as Repetition, listBytes, logBytes };
}

/** The small-request rows once per path, figures dropped. */
async function warmUp(loadclient: string, targets: Record<PathName, PathTarget>, o: Options): Promise<void> {
  log('warm-up (not counted): small GETs on every path');
  for (const p of paths)
    for (const mode of ['latency', 'concurrent'] as const)
      await runLoad(loadclient, targets[p], {
        mode,
        urlPath: smallGet,
        n: mode === 'latency' ? o['latency-n'] : o['concurrent-n'],
        workers: o.workers,
        http2: o.http2,
      });
}

async function main(): Promise<void> {
  const o = readOptions();
  const bins = await ensureBenchBinaries((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
  log('starting the local cluster');
  const cluster = await startCluster({ nodes: 1 });
  try {
    const direct = directPath(cluster, dir);
    const targets: Record<PathName, PathTarget> = {
      direct,
      mooring: await startMooring(cluster, dir),
      remotedialer: await startRemotedialer(bins.rdharness, direct, dir),
    };
    log(`creating ~${o['list-mib']} MiB of ConfigMaps and a ${o['log-mib']} MiB pod log`);
    await createBigConfigMaps(cluster, 'bench-list', o['list-mib']);
    await startBenchPod(cluster, 'bench');
    await fillBenchPodLog(cluster, 'bench', o['log-mib']);

    // Fresh servers of their own each time, so the row is not skewed by what the other rows left in the heap.
    const idle = (p: Exclude<PathName, 'direct'>) =>
      p === 'mooring'
        ? mooringIdleKiB(o['idle-agents'])
        : remotedialerIdleKiB(bins.rdharness, direct, dir, o['idle-agents']);
    // Not counted: kas and agentk run JavaScript that V8 compiles on its first thousands of requests, and
    // repetition 1 would otherwise carry that cost for the Mooring path alone.
    await warmUp(bins.loadclient, targets, o);
    const reps: Repetition[] = [];
    let sizes = { listBytes: 0, logBytes: 0 };
    for (let rep = 0; rep < o.reps; rep++) {
      // The order of the paths rotates per repetition, so none always runs first (cold) or last.
      const r = await repetition(
        bins.loadclient,
        idle,
        targets,
        rotate(paths, rep),
        o,
        `rep ${rep + 1}/${o.reps}`,
      );
      reps.push(r.figures);
      sizes = r;
    }
    console.log(
      buildTable(reps, {
        listMiB: Math.round(sizes.listBytes / 2 ** 20),
        logMiB: Math.round(sizes.logBytes / 2 ** 20),
        workers: o.workers,
        http2: o.http2,
        idleAgents: o['idle-agents'],
      }),
    );
  } finally {
    await stopChildren();
    await cluster.stop();
    // Tokens and TLS material of this run only.
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main, killChildren);
