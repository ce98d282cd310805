// Tunnel benchmark without a cluster (`pnpm exec tsx bench/tunnel/pure.ts [--reps 3] [--mib 50] [--cpu-prof DIR]`):
// a real HTTPS server stands in for kube-apiserver; kas (agent listener + proxy) and agentk run as processes of
// their own, so their CPU time per request is measured apart from the load generator. Every figure is taken
// direct (client → stand-in) and through kas (client → proxy → gRPC tunnel → agentk → stand-in) in the same
// repetition; the table prints medians over interleaved repetitions. `--cpu-prof DIR` writes kas's and agentk's
// V8 CPU profiles there (summarize them with profile-summary.ts). Nothing here asserts speed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandInApiServer } from '@mooring/modules/kubernetes_api/shared/testing/stand-in-api-server';
import { closedLoop, cpuOfPid, kasProxyChild } from './bench-kas';
import { fmt, printTable, summarize, type Row } from './stats';
import { killAll, runBench } from './run-bench';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const REPS = Number(arg('reps', '3'));
const SEQUENTIAL = Number(arg('sequential', '400'));
const CONCURRENT_MS = Number(arg('seconds', '3')) * 1000;
const MIB = Number(arg('mib', '50'));
const PROFILE_DIR = arg('cpu-prof', '');
const here = fileURLToPath(new URL('.', import.meta.url));
const agentkDir = fileURLToPath(new URL('../../apps/agentk', import.meta.url));
const children: ChildProcess[] = [];
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

interface Path {
  base: string;
  agent: https.Agent;
  auth: string;
}

function get(path: Path, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(`${path.base}${url}`, { agent: path.agent, headers: { authorization: path.auth } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url} answered ${res.statusCode}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function latencies(path: Path, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t = performance.now();
    await get(path, '/api/v1/namespaces/default');
    if (i >= 20) samples.push(performance.now() - t);
  }
  return samples;
}

function spawnNode(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const prof = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', file, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  return child;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pure-'));
  const api = await startStandInApiServer('bench-sa-token');
  const ca = Buffer.from(api.target.tls.ca as string | Buffer);
  writeFileSync(
    join(dir, 'kubeconfig'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: api.url, 'certificate-authority-data': ca.toString('base64') } },
      ],
      users: [{ name: 'u', user: { token: 'bench-sa-token' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  const kas = spawnNode('kas-proxy.ts', ['mgt-bench-agent'], here);
  const { info, ask } = await kasProxyChild(kas);
  writeFileSync(join(dir, 'token'), 'mgt-bench-agent');
  const agentk = spawnNode(
    'src/main.ts',
    ['--kas-address', info.agentUrl, '--token-file', join(dir, 'token'), '--ca-cert-file', info.caFile,
      '--kubeconfig', join(dir, 'kubeconfig')], // prettier-ignore
    agentkDir,
    { POD_NAME: 'bench-agentk', POD_NAMESPACE: 'mooring-system' },
  );
  while ((await ask()).idle < 2) await new Promise((r) => setTimeout(r, 100));
  log(`agentk connected (kas pid ${kas.pid}, agentk pid ${agentk.pid})`);
  const direct: Path = { base: api.url, agent: new https.Agent({ keepAlive: true, ca }), auth: 'Bearer x' };
  const proxy: Path = {
    base: info.proxyUrl,
    agent: new https.Agent({ keepAlive: true, ca: info.proxyCaPem }),
    auth: 'Bearer pat:1:bench',
  };
  const tunnelCpu = async () => (await ask()).cpuUs + cpuOfPid(agentk.pid!);

  const figures: Record<string, number[]> = {};
  let counting = false;
  const add = (k: string, v: number) => counting && (figures[k] ??= []).push(v);
  // Repetition 0 warms the JIT and the pools up and is not counted.
  for (let rep = 0; rep <= REPS; rep++) {
    log(rep ? `repetition ${rep} of ${REPS}` : 'warm-up repetition');
    counting = rep > 0;
    const d = summarize(await latencies(direct, SEQUENTIAL));
    let cpu0 = await tunnelCpu();
    const p = summarize(await latencies(proxy, SEQUENTIAL));
    add('cpuSeq', ((await tunnelCpu()) - cpu0) / (SEQUENTIAL + 20));
    add('p50d', d.p50);
    add('p50+', p.p50 - d.p50);
    add('p99+', p.p99 - d.p99);
    const rd = await closedLoop(16, CONCURRENT_MS, () => get(direct, '/api/v1/namespaces/default'));
    cpu0 = await tunnelCpu();
    const rp = await closedLoop(16, CONCURRENT_MS, () => get(proxy, '/api/v1/namespaces/default'));
    add('cpuConc', ((await tunnelCpu()) - cpu0) / rp);
    add('rpsd', rd / (CONCURRENT_MS / 1000));
    add('rpsp', rp / (CONCURRENT_MS / 1000));
    add('rpsRatio', rp / rd);
    const big = `/big?bytes=${MIB * 1024 * 1024}`;
    let t = performance.now();
    await get(direct, big);
    const bd = MIB / ((performance.now() - t) / 1000);
    cpu0 = await tunnelCpu();
    t = performance.now();
    await get(proxy, big);
    const bp = MIB / ((performance.now() - t) / 1000);
    add('cpuMiB', ((await tunnelCpu()) - cpu0) / MIB);
    add('bigd', bd);
    add('bigp', bp);
    add('bigRatio', bp / bd);
  }
  const med = (k: string) => {
    const s = [...figures[k]!].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const us = (n: number) => `${Math.round(n)} µs`;
  const rows: Row[] = [
    { metric: 'small GET p50', direct: fmt.ms(med('p50d')), proxy: '', ratio: `+${fmt.ms(med('p50+'))}`, goal: '≤ +1 ms' },
    { metric: 'small GET p99', direct: '', proxy: '', ratio: `+${fmt.ms(med('p99+'))}`, goal: '≤ +5 ms' },
    { metric: 'small GET, 16 concurrent', direct: fmt.rps(med('rpsd')), proxy: fmt.rps(med('rpsp')), ratio: `${(med('rpsRatio') * 100).toFixed(0)} %`, goal: '≥ 80 %' },
    { metric: `${MIB} MiB response`, direct: fmt.mibs(med('bigd')), proxy: fmt.mibs(med('bigp')), ratio: `${(med('bigRatio') * 100).toFixed(0)} %`, goal: '≥ 60 %' },
    { metric: 'tunnel CPU / GET (sequential)', direct: '-', proxy: us(med('cpuSeq')), ratio: 'kas + agentk', goal: '≤ 500 µs' },
    { metric: 'tunnel CPU / GET (16 concurrent)', direct: '-', proxy: us(med('cpuConc')), ratio: 'kas + agentk', goal: '≤ 500 µs' },
    { metric: 'tunnel CPU / MiB', direct: '-', proxy: us(med('cpuMiB')), ratio: 'kas + agentk', goal: '' },
  ]; // prettier-ignore
  printTable(rows);
  log(`per repetition: ${JSON.stringify(figures)}`);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))),
  );
  await api.close();
}

runBench(main, killAll(children));
