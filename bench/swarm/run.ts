// Many idle agents on one kas (`pnpm exec tsx bench/swarm/run.ts [--agents 10000] [--per-process 500]`): kas
// (bench/tunnel/kas-proxy.ts, TLS on, run with --expose-gc) and N real agentk instances with real gRPC connections,
// `--per-process` of them in each client child process (bench/tunnel/agents-idle.ts). Prints kas's RSS and CPU per
// idle agent and the time until all N are connected; then restarts kas on the same port and certificates (SIGTERM,
// then SIGKILL), prints the time until every agent has an idle tunnel again and the non-2xx answers of a GET loop
// through kas's Kubernetes API proxy to 100 sampled agents (each with a stand-in API server in its client process).
// Progress to stderr, a markdown table to stdout. Every wait is bounded; every child is killed on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuOfPid, kasProxyChild, type SwarmCounts } from '../tunnel/bench-kas';
import { killAll, runBench } from '../tunnel/run-bench';
import { markdownTable } from '../peers/table';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const AGENTS = Number(arg('agents', '10000'));
const PER_PROCESS = Number(arg('per-process', '500'));
const SAMPLED = Math.min(AGENTS, Number(arg('sampled', '100')));
const IDLE_SECONDS = Number(arg('idle-seconds', '60'));
const GETS = Number(arg('gets', '2000'));
const CONNECT_TIMEOUT_MS = Number(arg('connect-timeout', '900')) * 1000;
const RESTARTS = arg('restarts', 'SIGTERM,SIGKILL').split(',') as NodeJS.Signals[];
/** `--cpu-prof DIR`: every kas writes a V8 CPU profile there as it exits (the restarted one: the reconnect's cost). */
const CPU_PROF = arg('cpu-prof', '');
const tunnelDir = fileURLToPath(new URL('../tunnel/', import.meta.url));
const children: ChildProcess[] = [];
const log = (line: string) => process.stderr.write(`swarm: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The open-files soft limit a child gets: its sockets plus room for node's own files, pipes and the stand-in. */
function fdLimitFor(sockets: number): number {
  return sockets + 1024;
}

function hardFdLimit(): number {
  const text = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Infinity : Number(text);
}

/** A tsx child under `ulimit -n fds` (the shell raises the soft limit, then execs node, so the pid is node's). */
function spawnTsx(file: string, args: string[], fds: number, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n "$0" && exec "$@"',
      String(fds),
      process.execPath,
      ...nodeFlags,
      '--import',
      'tsx',
      file,
      ...args,
    ],
    { cwd: tunnelDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  return child;
}

interface Kas {
  child: ChildProcess;
  agentUrl: string;
  caFile: string;
  proxyUrl: string;
  proxyCaPem: string;
  swarm: (gc?: boolean) => Promise<SwarmCounts>;
}

async function startKas(tlsDir: string, port: number): Promise<Kas> {
  const child = spawnTsx(
    'kas-proxy.ts',
    ['mgt-bench-agent', '--agents', String(AGENTS), '--port', String(port), '--tls-dir', tlsDir],
    fdLimitFor(AGENTS + SAMPLED),
    ['--expose-gc', ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [])],
  );
  const { info, swarm } = await kasProxyChild(child);
  return { child, ...info, caFile: info.caFile, swarm };
}

/** Polls kas until every agent has an idle tunnel; ms from `since`. */
async function untilAllReady(kas: Kas, since: number, what: string): Promise<number> {
  let last = 0;
  for (;;) {
    const c = await kas.swarm();
    if (c.ready >= AGENTS) return performance.now() - since;
    if (performance.now() - since > CONNECT_TIMEOUT_MS)
      throw new Error(
        `${what}: only ${c.ready} of ${AGENTS} agents have an idle tunnel after ${CONNECT_TIMEOUT_MS} ms`,
      );
    if (performance.now() - last > 5000) {
      last = performance.now();
      log(`${what}: ${c.ready}/${AGENTS} agents ready, ${c.configStreams} config streams`);
    }
    await sleep(250);
  }
}

/** The agents with a stand-in API server (agents-idle.ts's sampleEvery rule). */
const sampleEvery = Math.floor(AGENTS / SAMPLED);
const sampledIds = Array.from({ length: SAMPLED }, (_, k) => k * sampleEvery + 1);

/** `GETS` GETs through kas's proxy, round robin over the sampled agents, 16 at a time; status codes counted. */
async function getLoop(kas: Kas): Promise<{ total: number; non2xx: number; codes: Record<string, number> }> {
  const agent = new https.Agent({ keepAlive: true, ca: kas.proxyCaPem, maxSockets: 16 });
  const codes: Record<string, number> = {};
  let next = 0;
  const once = (id: number) =>
    new Promise<string>((resolve) => {
      const req = https.get(
        `${kas.proxyUrl}/api/v1/namespaces/default`,
        { agent, headers: { authorization: `Bearer pat:${id}:bench` }, timeout: 30_000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', (e) => resolve(`error ${e.message}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(`error ${e.message}`));
    });
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < GETS) {
        const code = await once(sampledIds[next++ % sampledIds.length]!);
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  const ok = Object.entries(codes).reduce((n, [c, k]) => n + (/^2\d\d$/.test(c) ? k : 0), 0);
  return { total: GETS, non2xx: GETS - ok, codes };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
  );
}

async function main(): Promise<void> {
  const need = fdLimitFor(AGENTS + SAMPLED);
  const hard = hardFdLimit();
  if (need > hard)
    throw new Error(
      `kas needs ${need} open files for ${AGENTS} agents, the hard limit (ulimit -Hn) is ${hard}: raise it or pass a smaller --agents`,
    );
  const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
  log(`start: ${uptime()}`);
  const tlsDir = mkdtempSync(join(tmpdir(), 'bench-swarm-tls-'));
  let kas = await startKas(tlsDir, 0);
  const port = Number(new URL(kas.agentUrl.replace(/^grpcs?:/, 'http:')).port);
  log(`kas pid ${kas.child.pid} on ${kas.agentUrl}, ulimit -n ${need} (hard ${hard})`);
  // kas's start-up garbage (tsx compiling, TLS set-up) settles before the baseline.
  await sleep(5000);
  await kas.swarm(true);
  const before = await kas.swarm(true);

  const processes = Math.ceil(AGENTS / PER_PROCESS);
  log(`starting ${AGENTS} agents in ${processes} client processes`);
  const t0 = performance.now();
  const clients: ChildProcess[] = [];
  for (let p = 0; p < processes; p++) {
    const first = p * PER_PROCESS + 1;
    const count = Math.min(PER_PROCESS, AGENTS - first + 1);
    const args = [kas.agentUrl, kas.caFile, String(count), JSON.stringify({ first, sampleEvery })];
    clients.push(spawnTsx('agents-idle.ts', args, fdLimitFor(count * 2)));
  }
  const connectMs = await untilAllReady(kas, t0, 'connect');
  log(`all ${AGENTS} connected in ${(connectMs / 1000).toFixed(1)} s`);
  await Promise.all(clients.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]().next()));
  await sleep(5000);
  const fresh = await kas.swarm(true);
  // agentk keeps minIdle (2) idle tunnels and closes any surplus (after a burst of calls) after maxIdleTimeMs (60 s,
  // tunnel-pool.ts): the idle agent of a long-running fleet is the one after that.
  log(
    `${fresh.idle} idle tunnels just after connecting; waiting for agentk to close the surplus (≤ 2 per agent)`,
  );
  const steadyBy = performance.now() + 150_000;
  while ((await kas.swarm()).idle > 2 * AGENTS && performance.now() < steadyBy) await sleep(1000);
  await sleep(3000);
  const after = await kas.swarm(true);
  const rssPerAgentKiB = (after.rss - before.rss) / AGENTS / 1024;
  const heapPerAgentKiB = (after.heap - before.heap) / AGENTS / 1024;
  const perStreamKiB = (fresh.rss - after.rss) / Math.max(1, fresh.idle - after.idle) / 1024;
  log(
    `RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MiB; idle for ${IDLE_SECONDS} s`,
  );

  const cpu0 = cpuOfPid(kas.child.pid!);
  const idleT0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const idleCpuUs = cpuOfPid(kas.child.pid!) - cpu0;
  const idleMinutes = (performance.now() - idleT0) / 60_000;
  const cpuPerAgentMinuteUs = idleCpuUs / AGENTS / idleMinutes;
  const idleUptime = uptime();

  const rows: string[][] = [
    ['agents (client processes)', `${AGENTS} (${processes} × ≤ ${PER_PROCESS})`, ''],
    [
      'kas RSS at 0 → at N (after GC)',
      `${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MiB`,
      '',
    ],
    [
      'kas RSS per idle agent (steady: ≤ 2 idle tunnels each)',
      `${rssPerAgentKiB.toFixed(1)} KiB`,
      '≤ remotedialer (bench/peers: 45.8 KiB)',
    ],
    ['kas heap per idle agent (steady)', `${heapPerAgentKiB.toFixed(1)} KiB`, ''],
    ['idle tunnels / config streams (steady)', `${after.idle} / ${after.configStreams}`, ''],
    [
      'kas RSS per idle agent just after connecting',
      `${((fresh.rss - before.rss) / AGENTS / 1024).toFixed(1)} KiB (${fresh.idle} idle tunnels)`,
      '',
    ],
    [
      `kas CPU per idle agent per minute (${IDLE_SECONDS} s idle)`,
      `${cpuPerAgentMinuteUs.toFixed(1)} µs`,
      '',
    ],
    ...(fresh.idle > after.idle
      ? [['kas RSS per surplus idle tunnel (fresh − steady)', `${perStreamKiB.toFixed(1)} KiB`, '']]
      : []),
    ['time until all N connected (cold start)', `${(connectMs / 1000).toFixed(1)} s`, ''],
  ];
  for (const signal of RESTARTS) {
    log(`restarting kas (${signal}) with ${AGENTS} agents connected`);
    const killedAt = performance.now();
    kas.child.kill(signal);
    await exited(kas.child);
    const exitMs = performance.now() - killedAt;
    kas = await startKas(tlsDir, port);
    const listeningMs = performance.now() - killedAt;
    const backMs = await untilAllReady(kas, killedAt, `after ${signal}`);
    // kas's CPU from its start until every agent is back, start-up included: what one process spends per reconnect.
    const reconnectCpuMs = (await kas.swarm()).cpuUs / 1000;
    log(
      `all back ${(backMs / 1000).toFixed(1)} s after ${signal} (kas listening after ${(listeningMs / 1000).toFixed(1)} s)`,
    );
    const gets = await getLoop(kas);
    log(`GET loop after ${signal}: ${JSON.stringify(gets.codes)}`);
    rows.push(
      [
        `kas restart (${signal}): all N back`,
        `${(backMs / 1000).toFixed(1)} s (exited after ${(exitMs / 1000).toFixed(1)} s, listening after ${(listeningMs / 1000).toFixed(1)} s)`,
        '≤ 30 s',
      ],
      [
        `kas CPU from its start until all N are back (${signal})`,
        `${(reconnectCpuMs / 1000).toFixed(1)} s (${(reconnectCpuMs / AGENTS).toFixed(2)} ms per agent)`,
        '',
      ],
      [
        `GETs through ${SAMPLED} sampled agents after ${signal}: non-2xx`,
        `${gets.non2xx} of ${gets.total}`,
        '0',
      ],
    );
  }
  rows.push(['load (uptime) while idle', idleUptime.replace(/^.*load average: /, ''), '']);
  console.log(markdownTable(['figure', 'value', 'goal'], rows));
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}

runBench(main, killAll(children));
