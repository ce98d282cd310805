// Tunnel benchmark (`pnpm exec tsx bench/tunnel/run.ts [--agents 100] [--mib 100]`): every figure is measured on the
// direct path (client → kube-apiserver) and through kas (client → proxy → gRPC tunnel → agentk process →
// kube-apiserver) in the same run, and printed as a ratio. Not part of `pnpm test`; nothing here asserts speed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forwardPodPort, runKubectl, startCluster } from '@mooring/kube-dev';
import { buildProxyKubeconfig } from '@mooring/modules/kubernetes_api/server/index';
import { until } from '@mooring/modules/shared/testing/until';
import { closedLoop, cpuOfPid, kasProxyChild } from './bench-kas';
import { httpsRequest } from './bench-http';
import { fillBenchPodLog, startBenchPod } from './bench-pod';
import { fmt, printTable, summarize, type Row } from './stats';
import { killAll, runBench } from './run-bench';
import { measureIdleMemory } from './idle-memory';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const AGENTS = arg('agents', 100);
const MIB = arg('mib', 100);
/** `--only-memory`: skip the cluster figures (e.g. `--only-memory --agents 1000`). */
const ONLY_MEMORY = process.argv.includes('--only-memory');
/** `--only latency,rps,list,logs,port-forward,cp,watch`: just these cluster rows (all by default). */
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt > 0 ? new Set(process.argv[onlyAt + 1]!.split(',')) : null;
const want = (section: string) => !ONLY || ONLY.has(section);
/** `--cpu-prof DIR`: kas and agentk write V8 CPU profiles there (summarise with profile-summary.ts). */
const cpuProfAt = process.argv.indexOf('--cpu-prof');
const PROFILE_ARGS = cpuProfAt > 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[cpuProfAt + 1]}`] : [];
const here = fileURLToPath(new URL('.', import.meta.url));
const agentkDir = fileURLToPath(new URL('../../apps/agentk', import.meta.url));
const children: ChildProcess[] = [];
const rows: Row[] = [];
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

interface Path {
  name: string;
  base: string;
  agent: https.Agent;
  auth: string;
}

function request(path: Path, url: string, method = 'GET', body?: string) {
  return httpsRequest(`${path.base}${url}`, { agent: path.agent, authorization: path.auth }, method, body);
}

async function latency(path: Path, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n + 30; i++) {
    const t = performance.now();
    const r = await request(path, '/api/v1/namespaces/default');
    if (r.status !== 200)
      throw new Error(`${path.name}: GET answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
    if (i >= 30) samples.push(performance.now() - t);
  }
  return samples;
}

async function throughputRps(path: Path, concurrency: number, ms: number): Promise<number> {
  const done = await closedLoop(concurrency, ms, () => request(path, '/api/v1/namespaces/default'));
  return done / (ms / 1000);
}

async function streamBytes(path: Path, url: string): Promise<{ bytes: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    https
      .get(`${path.base}${url}`, { agent: path.agent, headers: { authorization: path.auth } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ bytes, ms: performance.now() - t }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function spawnTsx(
  file: string,
  args: string[],
  cwd: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  return child;
}

/** Median time of `n` sequential LISTs of `url` (after 3 unmeasured). */
async function listMs(path: Path, url: string, n: number): Promise<{ ms: number; bytes: number }> {
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n + 3; i++) {
    const t = performance.now();
    const r = await request(path, url);
    if (r.status !== 200) throw new Error(`${path.name}: LIST answered ${r.status}`);
    bytes = r.body.length;
    if (i >= 3) samples.push(performance.now() - t);
  }
  return { ms: summarize(samples).p50, bytes };
}

async function portForwardThroughput(
  kubectl: string,
  kubeconfig: string,
  ns: string,
  bytes: number,
): Promise<number> {
  const pf = spawn(kubectl, ['port-forward', '-n', ns, 'pod/bench', ':9000'], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  children.push(pf);
  let out = '';
  pf.stdout.on('data', (d: Buffer) => (out += d.toString()));
  pf.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const local = await until(
    () => `port-forward to start: ${out}`,
    () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]),
  );
  const t = performance.now();
  const received = await new Promise<number>((resolve, reject) => {
    let n = 0;
    const s = net.connect(local, '127.0.0.1');
    s.on('data', (d: Buffer) => {
      n += d.length;
      if (n >= bytes) {
        s.destroy();
        resolve(n);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(n));
  });
  const ms = performance.now() - t;
  pf.kill();
  if (received < bytes) throw new Error(`port-forward delivered ${received} of ${bytes} bytes: ${out}`);
  return bytes / 1024 / 1024 / (ms / 1000);
}

async function watchDelays(
  direct: Path,
  proxy: Path,
  admin: Path,
  ns: string,
  events: number,
): Promise<number[]> {
  const arrivals = new Map<string, { direct?: number; proxy?: number }>();
  const open = (path: Path, key: 'direct' | 'proxy') =>
    new Promise<ClientRequest>((resolve) => {
      const req = https.get(
        `${path.base}/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=false`,
        { agent: new https.Agent({ ca: path.agent.options.ca }), headers: { authorization: path.auth } },
        (res) => {
          let buffer = '';
          res.on('data', (c: Buffer) => {
            const now = performance.now();
            buffer += c.toString();
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const event = JSON.parse(buffer.slice(0, nl)) as {
                type: string;
                object: { metadata: { name: string } };
              };
              buffer = buffer.slice(nl + 1);
              if (event.type !== 'ADDED') continue;
              const entry = arrivals.get(event.object.metadata.name) ?? {};
              entry[key] = now;
              arrivals.set(event.object.metadata.name, entry);
            }
          });
          resolve(req);
        },
      );
    });
  const watches = [await open(direct, 'direct'), await open(proxy, 'proxy')];
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < events; i++) {
    const name = `w-${i}`;
    await request(
      admin,
      `/api/v1/namespaces/${ns}/configmaps`,
      'POST',
      JSON.stringify({ metadata: { name } }),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const w of watches) w.destroy();
  return [...arrivals.values()].filter((a) => a.direct && a.proxy).map((a) => a.proxy! - a.direct!);
}

async function main(): Promise<void> {
  if (!ONLY_MEMORY) await clusterFigures();
  for (const count of ONLY ? [] : [AGENTS]) {
    log(`kas memory with ${count} idle agents (each agentk with its pool)`);
    const m = await measureIdleMemory({ count, track: (c) => children.push(c) });
    rows.push({
      metric: `kas RSS per idle agent (${count} agents)`,
      direct: '-',
      proxy: fmt.kib(m.perAgentKiB.rss),
      ratio: `${m.after.idle} idle tunnels, ${m.connections} TCP conns`,
      goal: '≤ 64 KiB',
    });
  }
  printTable(rows);
}

async function clusterFigures(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tunnel-'));
  log('starting the local cluster');
  const cluster = await startCluster({ nodes: 1 });
  try {
    const clusterCa = Buffer.from(cluster.caData, 'base64').toString();
    const agentToken = 'mgt-bench-agent';
    // kas in a process of its own (kas-proxy.ts), so its CPU time is measured apart from the load generator.
    const kas = spawnTsx('kas-proxy.ts', [agentToken], here, PROFILE_ARGS);
    const { info, ask } = await kasProxyChild(kas);
    const server = { url: info.agentUrl, caFile: info.caFile };
    const proxy = { url: info.proxyUrl, caPem: info.proxyCaPem };
    writeFileSync(join(dir, 'token'), agentToken);
    const agentk = spawnTsx(
      'src/main.ts',
      [
        '--kas-address',
        server.url,
        '--token-file',
        join(dir, 'token'),
        '--ca-cert-file',
        server.caFile,
        '--kubeconfig',
        cluster.agentKubeconfigPath,
      ],
      agentkDir,
      PROFILE_ARGS,
      {
        POD_NAME: 'bench-agentk',
        POD_NAMESPACE: 'mooring-system',
      },
    );
    await until("agentk's idle tunnels", async () => (await ask()).idle >= 2, 60_000);
    /** CPU µs so far of kas and of agentk. */
    const tunnelCpu = async () => [(await ask()).cpuUs, cpuOfPid(agentk.pid!)] as const;
    const cpuSince = async (from: readonly [number, number], requests: number) => {
      const [kasUs, agentkUs] = await tunnelCpu();
      return { kas: (kasUs - from[0]) / requests, agentk: (agentkUs - from[1]) / requests };
    };
    const cpuText = (c: { kas: number; agentk: number }) =>
      `${Math.round(c.kas + c.agentk)} µs (kas ${Math.round(c.kas)}, agentk ${Math.round(c.agentk)})`;
    log(`agentk connected; proxy at ${proxy.url}`);

    const direct: Path = {
      name: 'direct',
      base: cluster.server,
      agent: new https.Agent({ keepAlive: true, ca: clusterCa }),
      auth: `Bearer ${cluster.agentToken}`,
    };
    const viaKas: Path = {
      name: 'proxy',
      base: proxy.url,
      agent: new https.Agent({ keepAlive: true, ca: proxy.caPem }),
      auth: 'Bearer pat:1:bench',
    };
    const admin: Path = {
      name: 'admin',
      base: cluster.server,
      agent: new https.Agent({ keepAlive: true, ca: clusterCa }),
      auth: `Bearer ${cluster.adminToken}`,
    };

    if (want('latency')) {
      log('latency of a small GET (300 sequential requests each)');
      // Warm-up, not counted: the first requests compile kas's and agentk's request path (tsx) and warm the JIT,
      // which would otherwise add milliseconds to every request's CPU figure.
      await latency(direct, 200);
      await latency(viaKas, 200);
      const d = summarize(await latency(direct, 300));
      const cpu0 = await tunnelCpu();
      const p = summarize(await latency(viaKas, 300));
      const cpuSeq = await cpuSince(cpu0, 330);
      rows.push({
        metric: 'small GET p50',
        direct: fmt.ms(d.p50),
        proxy: fmt.ms(p.p50),
        ratio: `+${fmt.ms(p.p50 - d.p50)} (×${(p.p50 / d.p50).toFixed(2)})`,
        goal: '≤ +1 ms',
      });
      rows.push({
        metric: 'small GET p99',
        direct: fmt.ms(d.p99),
        proxy: fmt.ms(p.p99),
        ratio: `+${fmt.ms(p.p99 - d.p99)} (×${(p.p99 / d.p99).toFixed(2)})`,
        goal: '≤ +5 ms',
      });
      rows.push({
        metric: 'tunnel CPU / GET, sequential',
        direct: '-',
        proxy: cpuText(cpuSeq),
        ratio: 'kas + agentk',
        goal: '≤ 500 µs',
      });
    }
    if (want('rps')) {
      log('requests per second (16 concurrent, 3 s each)');
      const rd = await throughputRps(direct, 16, 3000);
      const cpu0 = await tunnelCpu();
      const rp = await throughputRps(viaKas, 16, 3000);
      const cpuConc = await cpuSince(cpu0, rp * 3);
      rows.push({
        metric: 'small GET, 16 concurrent',
        direct: fmt.rps(rd),
        proxy: fmt.rps(rp),
        ratio: `${((rp / rd) * 100).toFixed(0)} %`,
        goal: 'n/a (2 cores shared by all processes)',
      });
      rows.push({
        metric: 'tunnel CPU / GET, 16 concurrent',
        direct: '-',
        proxy: cpuText(cpuConc),
        ratio: 'kas + agentk',
        goal: '≤ 500 µs',
      });
    }
    const proxyKubeconfig = join(dir, 'proxy.kubeconfig');
    writeFileSync(
      proxyKubeconfig,
      buildProxyKubeconfig({ proxyUrl: proxy.url, caPem: proxy.caPem, agentId: 1, token: 'bench' }),
    );
    const ns = 'bench';
    await startBenchPod(cluster, ns);
    if (want('list')) {
      log('LIST of 300 configmaps of 1 KiB (20 sequential each)');
      for (let i = 0; i < 300; i++) {
        const cm = { metadata: { name: `list-${i}` }, data: { v: 'x'.repeat(1024) } };
        const r = await request(admin, `/api/v1/namespaces/${ns}/configmaps`, 'POST', JSON.stringify(cm));
        if (r.status !== 201) throw new Error(`creating configmap list-${i} answered ${r.status}`);
      }
      const listUrl = `/api/v1/namespaces/${ns}/configmaps`;
      const ld0 = await listMs(direct, listUrl, 20);
      const lp0 = await listMs(viaKas, listUrl, 20);
      rows.push({
        metric: `LIST, ${(ld0.bytes / 1024).toFixed(0)} KiB`,
        direct: fmt.ms(ld0.ms),
        proxy: fmt.ms(lp0.ms),
        ratio: `${((ld0.ms / lp0.ms) * 100).toFixed(0)} %`,
        goal: '≥ 60 %',
      });
    }
    if (want('logs')) {
      log(`logs of a ${MIB} MiB log file`);
      await fillBenchPodLog(cluster, ns, MIB);
      const logUrl = `/api/v1/namespaces/${ns}/pods/bench/log`;
      const ld = await streamBytes(direct, logUrl);
      const lp = await streamBytes(viaKas, logUrl);
      const mibs = (r: { bytes: number; ms: number }) => r.bytes / 1024 / 1024 / (r.ms / 1000);
      rows.push({
        metric: `logs, ${(ld.bytes / 1024 / 1024).toFixed(0)} MiB`,
        direct: fmt.mibs(mibs(ld)),
        proxy: fmt.mibs(mibs(lp)),
        ratio: `${((mibs(lp) / mibs(ld)) * 100).toFixed(0)} %`,
        goal: '≥ 80 %',
      });
    }
    if (want('port-forward')) {
      log(`port-forward of ${MIB} MiB from a loopback server`);
      const payload = Buffer.alloc(1024 * 1024, 0x5a);
      const source = net.createServer((s) => {
        let left = MIB;
        const pump = () => {
          while (left > 0) {
            left--;
            if (!s.write(payload)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
      await forwardPodPort(cluster, {
        namespace: ns,
        pod: 'bench',
        port: 9000,
        to: { port: (source.address() as net.AddressInfo).port },
      });
      const pd = await portForwardThroughput(
        cluster.kubectlPath,
        cluster.agentKubeconfigPath,
        ns,
        MIB * 1024 * 1024,
      );
      const pp = await portForwardThroughput(cluster.kubectlPath, proxyKubeconfig, ns, MIB * 1024 * 1024);
      source.close();
      rows.push({
        metric: `port-forward, ${MIB} MiB`,
        direct: fmt.mibs(pd),
        proxy: fmt.mibs(pp),
        ratio: `${((pp / pd) * 100).toFixed(0)} %`,
        goal: '≥ 80 %',
      });
    }
    if (want('cp')) {
      log(`kubectl cp of ${MIB} MiB to the pod and back (kwok runs the pod's tar on this machine)`);
      const local = join(dir, 'cp-source.bin');
      writeFileSync(local, randomBytes(MIB * 1024 * 1024), { mode: 0o600 });
      const cp = async (kubeconfig: string, from: string, to: string) => {
        const t = performance.now();
        const r = await runKubectl(cluster.kubectlPath, ['cp', from, to], { kubeconfig });
        if (r.code !== 0) throw new Error(`kubectl cp ${from} ${to} failed: ${r.stderr}`);
        return MIB / ((performance.now() - t) / 1000);
      };
      const remote = (path: string) => `${cluster.execWorkDir}/bench-cp-${path}.bin`;
      const up = {
        direct: await cp(cluster.agentKubeconfigPath, local, `${ns}/bench:${remote('direct')}`),
        proxy: await cp(proxyKubeconfig, local, `${ns}/bench:${remote('proxy')}`),
      };
      const down = {
        direct: await cp(
          cluster.agentKubeconfigPath,
          `${ns}/bench:${remote('direct')}`,
          join(dir, 'back-direct'),
        ),
        proxy: await cp(proxyKubeconfig, `${ns}/bench:${remote('proxy')}`, join(dir, 'back-proxy')),
      };
      for (const back of ['back-direct', 'back-proxy'])
        if (statSync(join(dir, back)).size !== MIB * 1024 * 1024)
          throw new Error(`kubectl cp returned a short ${back}`);
      for (const [metric, r] of [
        [`kubectl cp to the pod, ${MIB} MiB`, up],
        [`kubectl cp from the pod, ${MIB} MiB`, down],
      ] as const)
        rows.push({
          metric,
          direct: fmt.mibs(r.direct),
          proxy: fmt.mibs(r.proxy),
          ratio: `${((r.proxy / r.direct) * 100).toFixed(0)} %`,
          goal: '≥ 90 %',
        });
    }
    if (want('watch')) {
      log('watch event delay (50 configmaps)');
      const delays = summarize(await watchDelays(direct, viaKas, admin, ns, 50));
      rows.push({
        metric: 'watch event, added delay',
        direct: '0 (reference)',
        proxy: `p50 ${fmt.ms(delays.p50)}`,
        ratio: `p99 +${fmt.ms(delays.p99)}`,
        goal: '≤ +1 ms p50',
      });
    }
    // A clean exit, so --cpu-prof writes both profiles.
    const exited = (c: ChildProcess) =>
      new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)));
    kas.kill('SIGTERM');
    agentk.kill('SIGTERM');
    await Promise.race([Promise.all([exited(kas), exited(agentk)]), new Promise((r) => setTimeout(r, 5000))]);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    children.length = 0;
    await cluster.stop();
  }
}

runBench(main, killAll(children));
