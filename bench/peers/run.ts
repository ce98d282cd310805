// Peers benchmark (`pnpm exec tsx bench/peers/run.ts [--reps 3] [--http2]`): the same Go load client against three
// paths to one local cluster, in one run, interleaved per repetition:
//   direct        client → kube-apiserver
//   Mooring       client → kas's Kubernetes API proxy → gRPC reverse tunnel → agentk → kube-apiserver
//   remotedialer  client → remotedialer server → websocket tunnel → remotedialer agent → kube-apiserver
// and prints one markdown table of medians and [min–max] against the direct path. Not part of `pnpm test`; nothing
// here asserts speed. Progress goes to stderr, the table to stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { startCluster, type KubeCluster } from '@mooring/kube-dev';
import { z } from 'zod';
import { fillBenchPodLog, startBenchPod } from '../tunnel/bench-pod';
import { agentkDir, agentkEnv, benchProxyToken } from '../tunnel/mooring-path';
import { ensureBenchBinaries, type BenchBinaries } from './build';
import { clockTicksPerSecond, cpuSeconds } from './proc-stat';
import { buildTable, paths, type PathFigures, type PathName, type Repetition } from './table';

const Options = z.object({
  reps: z.coerce.number().int().min(1).max(20).default(3),
  'list-mib': z.coerce.number().int().min(1).max(400).default(95),
  'log-mib': z.coerce.number().int().min(1).max(1024).default(100),
  'latency-n': z.coerce.number().int().min(10).max(100_000).default(300),
  'concurrent-n': z.coerce.number().int().min(16).max(1_000_000).default(3000),
  workers: z.coerce.number().int().min(1).max(256).default(16),
  http2: z.boolean().default(false),
});
type Options = z.infer<typeof Options>;

const usage = `usage: pnpm exec tsx bench/peers/run.ts [--reps 3] [--list-mib 95] [--log-mib 100] [--latency-n 300]
       [--concurrent-n 3000] [--workers 16] [--http2]`;

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

const LoadResult = z.object({
  mode: z.enum(['latency', 'concurrent', 'throughput']),
  proto: z.string(),
  requests: z.number().int(),
  total_requests: z.number().int(),
  seconds: z.number(),
  p50_us: z.number().optional(),
  p99_us: z.number().optional(),
  rps: z.number().optional(),
  bytes: z.number().optional(),
  mibps: z.number().optional(),
});
type LoadResult = z.infer<typeof LoadResult>;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const children: ChildProcess[] = [];

/** A long-running helper process whose stderr tail explains its death. */
interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  nextLine(): Promise<string>;
}

function startChild(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const tail: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    tail.push(...d.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code, signal) =>
      reject(new Error(`${name} exited (${signal ?? code}) early:\n${tail.join('\n')}`)),
    ),
  );
  exited.catch(() => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  return {
    name,
    process: child,
    pid: child.pid,
    nextLine: async () => {
      const next = await Promise.race([lines.next(), exited]);
      if (next.done) throw new Error(`${name} closed its output:\n${tail.join('\n')}`);
      return next.value;
    },
  };
}

/** Where the load client points for one path: base URL, CA file, token file, and the processes to charge CPU to. */
interface PathTarget {
  name: PathName;
  base: string;
  caFile: string;
  tokenFile: string;
  processes: Record<string, number>;
}

function runLoad(
  bins: BenchBinaries,
  target: PathTarget,
  mode: LoadResult['mode'],
  urlPath: string,
  n: number,
  o: Options,
): Promise<LoadResult> {
  const args = [
    '-mode',
    mode,
    '-url',
    target.base + urlPath,
    '-ca',
    target.caFile,
    '-token-file',
    target.tokenFile,
  ];
  args.push('-n', String(n), '-workers', String(o.workers), '-timeout', '10m');
  if (o.http2) args.push('-http2');
  return new Promise((resolve, reject) => {
    const child = spawn(bins.loadclient, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`${target.name} ${mode} ${urlPath}: ${err.trim() || `exit ${code}`}`));
      try {
        resolve(LoadResult.parse(JSON.parse(out)));
      } catch (error) {
        reject(
          new Error(`${target.name} ${mode}: the load client printed ${out.slice(0, 300)}: ${String(error)}`),
        );
      }
    });
  });
}

function httpsCall(
  url: string,
  ca: string,
  token: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** ConfigMaps of ~900 KiB each (ConfigMaps hold at most 1 MiB) in `ns`, ~`mib` MiB in all. */
async function createBigConfigMaps(cluster: KubeCluster, ns: string, mib: number): Promise<void> {
  const ca = Buffer.from(cluster.caData, 'base64').toString();
  const api = `${cluster.server}/api/v1/namespaces`;
  const call = async (url: string, object: object) => {
    const r = await httpsCall(url, ca, cluster.adminToken, 'POST', JSON.stringify(object));
    if (r.status !== 201) throw new Error(`creating ${url} answered ${r.status}: ${r.body.slice(0, 300)}`);
  };
  await call(api, { metadata: { name: ns } });
  const value = 'x'.repeat(900 * 1024);
  const count = Math.ceil((mib * 1024) / 900);
  for (let i = 0; i < count; i++)
    await call(`${api}/${ns}/configmaps`, { metadata: { name: `big-${i}` }, data: { d: value } });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startMooring(cluster: KubeCluster, dir: string): Promise<PathTarget> {
  const kasChild = fileURLToPath(new URL('kas-child.ts', import.meta.url));
  const kas = startChild('kas', process.execPath, [
    '--import',
    'tsx',
    kasChild,
    dir,
    cluster.agentKubeconfigPath,
  ]);
  const listening = z
    .object({ proxyUrl: z.string(), proxyCaFile: z.string(), agentkArgs: z.array(z.string()) })
    .parse(JSON.parse(await kas.nextLine()));
  const agentk = startChild(
    'agentk',
    process.execPath,
    ['--import', 'tsx', join(agentkDir, 'src/main.ts'), ...listening.agentkArgs],
    agentkEnv,
  );
  await kas.nextLine(); // {"connected": true}
  const tokenFile = join(dir, 'mooring-token');
  writeFileSync(tokenFile, benchProxyToken, { mode: 0o600 });
  log(`Mooring: agentk connected; proxy at ${listening.proxyUrl}`);
  return {
    name: 'mooring',
    base: listening.proxyUrl,
    caFile: listening.proxyCaFile,
    tokenFile,
    processes: { kas: kas.pid, agentk: agentk.pid },
  };
}

async function startRemotedialer(
  bins: BenchBinaries,
  cluster: KubeCluster,
  dir: string,
): Promise<PathTarget> {
  const secret = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
    return file;
  };
  const clientToken = secret('rd-client-token');
  const agentToken = secret('rd-agent-token');
  const clusterTokenFile = join(dir, 'cluster-token');
  const server = startChild('remotedialer server', bins.rdharness, [
    'server',
    '-dir',
    join(dir, 'rd-tls'),
    '-cluster',
    cluster.server,
    '-cluster-ca-file',
    join(dir, 'cluster-ca.pem'),
    '-cluster-token-file',
    clusterTokenFile,
    '-client-token-file',
    clientToken,
    '-agent-token-file',
    agentToken,
  ]);
  const ready = z.object({ url: z.string(), caFile: z.string() }).parse(JSON.parse(await server.nextLine()));
  const agent = startChild('remotedialer agent', bins.rdharness, [
    'agent',
    '-connect',
    `${ready.url.replace(/^https:/, 'wss:')}/connect`,
    '-ca-file',
    ready.caFile,
    '-token-file',
    agentToken,
    '-cluster-address',
    new URL(cluster.server).host,
  ]);
  const base = `${ready.url}/k8s/clusters/agent`;
  const ca = readFileSync(ready.caFile, 'utf8');
  const token = readFileSync(clientToken, 'utf8');
  await waitFor(
    'the remotedialer tunnel',
    async () => (await httpsCall(`${base}/version`, ca, token)).status === 200,
  );
  log(`remotedialer: agent connected; proxy at ${base}`);
  return {
    name: 'remotedialer',
    base,
    caFile: ready.caFile,
    tokenFile: clientToken,
    processes: { server: server.pid, agent: agent.pid },
  };
}

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, i) => items[(i + by) % items.length]!);

async function main(): Promise<void> {
  const o = readOptions();
  const bins = await ensureBenchBinaries((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
  log('starting the local cluster');
  const cluster = await startCluster({ nodes: 1 });
  try {
    writeFileSync(join(dir, 'cluster-ca.pem'), Buffer.from(cluster.caData, 'base64'), { mode: 0o600 });
    writeFileSync(join(dir, 'cluster-token'), cluster.agentToken, { mode: 0o600 });
    const direct: PathTarget = {
      name: 'direct',
      base: cluster.server,
      caFile: join(dir, 'cluster-ca.pem'),
      // The identity agentk and the remotedialer server use, so all three paths are authorised alike.
      tokenFile: join(dir, 'cluster-token'),
      processes: { 'kube-apiserver': cluster.pids['kube-apiserver']! },
    };
    const targets: Record<PathName, PathTarget> = {
      direct,
      mooring: await startMooring(cluster, dir),
      remotedialer: await startRemotedialer(bins, cluster, dir),
    };

    log(`creating ~${o['list-mib']} MiB of ConfigMaps and a ${o['log-mib']} MiB pod log`);
    await createBigConfigMaps(cluster, 'bench-list', o['list-mib']);
    await startBenchPod(cluster, 'bench');
    await fillBenchPodLog(cluster, 'bench', o['log-mib']);

    const ticks = clockTicksPerSecond();
    const reps: Repetition[] = [];
    let listBytes = 0;
    let logBytes = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      const figures = Object.fromEntries(paths.map((p) => [p, {}])) as Record<PathName, Partial<PathFigures>>;
      // The order of the paths rotates per repetition, so none always runs first (cold) or last.
      const order = rotate(paths, rep);
      const tag = (p: PathName, step: string) =>
        `rep ${rep + 1}/${o.reps} ${step.padEnd(10)} ${p.padEnd(12)}`;
      for (const p of order) {
        const r = await runLoad(bins, targets[p], 'latency', '/api/v1/namespaces/default', o['latency-n'], o);
        Object.assign(figures[p], { proto: r.proto, p50Us: r.p50_us!, p99Us: r.p99_us! });
        log(
          `${tag(p, 'latency')} p50 ${Math.round(r.p50_us!)} µs, p99 ${Math.round(r.p99_us!)} µs (${r.proto})`,
        );
      }
      for (const p of order) {
        const pids = targets[p].processes;
        const before = cpuSeconds(Object.values(pids), ticks);
        const r = await runLoad(
          bins,
          targets[p],
          'concurrent',
          '/api/v1/namespaces/default',
          o['concurrent-n'],
          o,
        );
        const after = cpuSeconds(Object.values(pids), ticks);
        const cpuParts = Object.fromEntries(
          Object.keys(pids).map((name, i) => [name, ((after[i]! - before[i]!) / r.total_requests) * 1e6]),
        );
        const cpuUsPerRequest = Object.values(cpuParts).reduce((a, b) => a + b, 0);
        Object.assign(figures[p], { rps: r.rps!, cpuParts, cpuUsPerRequest });
        log(
          `${tag(p, 'concurrent')} ${Math.round(r.rps!)} req/s, ${Math.round(cpuUsPerRequest)} µs CPU/request`,
        );
      }
      for (const p of order) {
        const r = await runLoad(
          bins,
          targets[p],
          'throughput',
          '/api/v1/namespaces/bench-list/configmaps',
          1,
          o,
        );
        figures[p].listMiBps = r.mibps!;
        if (p === 'direct') listBytes = r.bytes!;
        log(`${tag(p, 'list')} ${r.mibps!.toFixed(1)} MiB/s (${(r.bytes! / 2 ** 20).toFixed(1)} MiB)`);
      }
      for (const p of order) {
        const r = await runLoad(
          bins,
          targets[p],
          'throughput',
          '/api/v1/namespaces/bench/pods/bench/log',
          1,
          o,
        );
        figures[p].logMiBps = r.mibps!;
        if (p === 'direct') logBytes = r.bytes!;
        log(`${tag(p, 'log')} ${r.mibps!.toFixed(1)} MiB/s (${(r.bytes! / 2 ** 20).toFixed(1)} MiB)`);
      }
      reps.push(figures as Repetition);
    }
    console.log(
      buildTable(reps, {
        listMiB: Math.round(listBytes / 2 ** 20),
        logMiB: Math.round(logBytes / 2 ** 20),
        workers: o.workers,
        http2: o.http2,
      }),
    );
  } finally {
    await stopChildren();
    await cluster.stop();
  }
}

/** Closes every helper's stdin (the Go harness and kas stop on that), then SIGTERM, then SIGKILL. */
async function stopChildren(): Promise<void> {
  const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running()) c.stdin?.end();
  for (let i = 0; i < 20 && running().length; i++) await new Promise((r) => setTimeout(r, 100));
  for (const c of running()) c.kill('SIGTERM');
  for (let i = 0; i < 20 && running().length; i++) await new Promise((r) => setTimeout(r, 100));
  for (const c of running()) c.kill('SIGKILL');
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? `bench: ${error.message}` : error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    setTimeout(() => process.exit(), 500).unref();
  });
