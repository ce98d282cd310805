// Several kas replicas on this machine, as real processes (docs/replicas.md "Running several replicas locally"):
// a throwaway PostgreSQL and Redis from the Debian binaries, one generated MOORING_SECRET, N kas processes (each
// with its own data dir, every port free) and the TCP load balancer in front of their agent, proxy and console API
// ports, so agents, kubectl and the console see one address. Used by `pnpm start -- --replicas N` and by tests.
// Everything it starts is stopped by stop(), and killed if the process exits without it.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { makePrivateDir } from '@mooring/db';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { startTestRedis, type TestRedis } from '@mooring/modules/shared/testing/redis';
import { kasProcessPorts, spawnKas, type KasProcess } from './kas-process';
import { startTcpLoadBalancer, type TcpLoadBalancer } from '../replicas/tcp-load-balancer';

/** The services the balancer carries, by the name kas's "kas is ready" line gives their URL. */
const BALANCED = ['agent', 'proxy', 'api'] as const;
type Balanced = (typeof BALANCED)[number];
/** How much of each kas's output stays in memory (the rest is in its log file). */
const KEPT_OUTPUT_CHARS = 16 * 1024;

export const localReplicasOptionsSchema = z.object({
  replicas: z
    .number({ error: 'expected the number of kas replicas, 1 to 5' })
    .int('expected a whole number of kas replicas, 1 to 5')
    .min(1, 'expected at least 1 kas replica')
    .max(5, 'expected at most 5 kas replicas (each is a node process; this is for trying, not for load)'),
  /** Everything goes under <dataDir>/replicas: one dir per replica, Redis, logs (PostgreSQL too unless root). */
  dataDir: z.string().min(1),
  /** Extra settings for every kas (e.g. MOORING_ADMIN_PASSWORD, MOORING_LOG_LEVEL). */
  env: z.record(z.string(), z.string()).default({}),
  readyTimeoutMs: z.number().int().min(1_000).max(600_000).default(120_000),
  /** How long a replica may drain after SIGTERM before it is killed. */
  stopGraceMs: z.number().int().min(100).max(120_000).default(20_000),
});
export type LocalReplicasOptions = z.input<typeof localReplicasOptionsSchema>;

export interface LocalReplica {
  /** kas-1, kas-2, … (the balancer's name for it). */
  name: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Its own listeners' URLs (from its "kas is ready" line). */
  urls: Record<string, string>;
  process: KasProcess;
}

export interface LocalReplicas {
  replicas: LocalReplica[];
  balancer: TcpLoadBalancer;
  /** What clients use: the balancer's addresses. */
  urls: { agent: string; proxy: string; api: string };
  /** The shared CA agents and kubectl trust (every replica serves certificates from it). */
  caFile: string;
  databaseUrl: string;
  redisUrl: string;
  /** The replicas' own Redis: tests stop it (kill) and start it again on the same port. */
  redis: TestRedis;
  /** The replicas' MOORING_SECRET (base64). */
  secret: string;
  /** Every directory the launcher made (0700). */
  dirs: string[];
  /** PostgreSQL's and Redis's pids while they run. */
  servicePids(): number[];
  /**
   * Starts a replica that exited (killed, drained) again: a new process on its data dir with new ports, put back
   * behind the balancer in place of the old one; resolves once the balancer finds it ready.
   */
  restart(name: string): Promise<LocalReplica>;
  /** SIGTERM to every replica (a drain, then SIGKILL after the grace), then the balancer, Redis and PostgreSQL. */
  stop(): Promise<void>;
}

/** A port from a URL such as grpcs://127.0.0.1:41234 or http://127.0.0.1:41235/. */
const portOf = (url: string) => Number(new URL(url).port);

export async function startLocalReplicas(
  input: LocalReplicasOptions,
  say: (line: string) => void = () => undefined,
): Promise<LocalReplicas> {
  const o = localReplicasOptionsSchema.parse(input);
  const root = path.join(path.resolve(o.dataDir), 'replicas');
  // umask 077 from here on; whatever an earlier run left open is tightened.
  makePrivateDir(root);
  const logDir = path.join(root, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const dirs = [root, logDir];
  const cleanups: Array<() => Promise<void>> = [];
  const logs: WriteStream[] = [];
  const processes: KasProcess[] = [];
  // A launcher that dies without stop() (an exception, process.exit) takes its children along.
  const killAll = () => {
    for (const kas of processes) if (kas.child.exitCode === null) kas.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      for (const log of logs) log.end();
      process.off('exit', killAll);
    })());

  try {
    let since = Date.now();
    // PostgreSQL refuses to run as root and runs as `postgres`, which cannot enter a 0700 directory of root's: as root
    // its (0700, postgres-owned) directory goes under the system temp dir instead.
    const asRoot = process.getuid?.() === 0;
    const postgres: TestPostgres = await startTestPostgres({
      own: true,
      parentDir: asRoot ? os.tmpdir() : root,
    });
    cleanups.push(() => postgres.stop());
    if (postgres.serverDir) dirs.push(postgres.serverDir);
    say(
      `PostgreSQL ready in ${seconds(since)}: pid ${postgresPid(postgres)} at ${new URL(postgres.url).host}, dir ${postgres.serverDir}${asRoot ? ' (under the temp dir: it runs as postgres)' : ''}`,
    );
    since = Date.now();
    const redis: TestRedis = await startTestRedis({ parentDir: root });
    cleanups.push(() => redis.stop());
    if (redis.dir) dirs.push(redis.dir);
    say(`Redis ready in ${seconds(since)}: pid ${redis.pid()} at ${redis.url}, dir ${redis.dir}`);

    const balancer = await startTcpLoadBalancer({
      services: Object.fromEntries(BALANCED.map((s) => [s, 0])) as Record<Balanced, number>,
    });
    cleanups.push(() => balancer.stop());
    const agentUrl = `grpcs://127.0.0.1:${balancer.ports.agent}`;
    // The proxy serves /k8s-proxy (kubernetes_api's default prefix); kubeconfigs name the balancer's port.
    const proxyUrl = `https://127.0.0.1:${balancer.ports.proxy}/k8s-proxy`;
    const secret = randomBytes(32).toString('base64');

    since = Date.now();
    const spawnReplica = (i: number) => {
      const name = `kas-${i + 1}`;
      const dataDir = path.join(root, name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (!dirs.includes(dataDir)) dirs.push(dataDir);
      const logFile = path.join(logDir, `${name}.log`);
      const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
      logs.push(log);
      const kas = spawnKas(
        {
          ...o.env,
          ...kasProcessPorts,
          MOORING_DATA_DIR: dataDir,
          DATABASE_URL: postgres.url,
          REDIS_URL: redis.url,
          MOORING_SECRET: secret,
          // Install commands tell agents the balancer's address, not this replica's.
          MOORING_KAS_URL: agentUrl,
          // Kubeconfigs (REST, the console) and the console's own proxy requests go through the balancer too.
          MOORING_PROXY_URL: proxyUrl,
        },
        [],
        { log, keepChars: KEPT_OUTPUT_CHARS },
      );
      processes.push(kas);
      cleanups.push(() => stopKas(kas, o.stopGraceMs));
      return { name, dataDir, logFile, kas };
    };
    const replicas: LocalReplica[] = [];
    const waitReady = async ({
      name,
      dataDir,
      logFile,
      kas,
    }: ReturnType<typeof spawnReplica>): Promise<LocalReplica> => {
      const urls = await kas.ready(o.readyTimeoutMs).catch((error: Error) => {
        throw new Error(`${name} did not start (log: ${logFile}): ${error.message}`);
      });
      for (const service of [...BALANCED, 'observability'])
        if (!urls[service])
          throw new Error(`${name} started without its ${service} listener (log: ${logFile})`);
      return { name, pid: kas.child.pid!, dataDir, logFile, urls, process: kas };
    };
    // The first alone: it migrates the empty database and creates the shared CA; the others then start together.
    replicas.push(await waitReady(spawnReplica(0)));
    const others = Array.from({ length: o.replicas - 1 }, (_, i) => spawnReplica(i + 1));
    for (const started of others) replicas.push(await waitReady(started));
    /** Resolves once every one of `names` is ready behind the balancer (as its checks find them). */
    const readyBehindBalancer = (names: string[]) =>
      new Promise<void>((resolve) => {
        const waiting = new Set(names);
        const onReadiness = (s: { name: string; ready: boolean }) => {
          if (s.ready) waiting.delete(s.name);
          else if (names.includes(s.name)) waiting.add(s.name);
          if (waiting.size === 0) {
            balancer.off('readiness', onReadiness);
            resolve();
          }
        };
        balancer.on('readiness', onReadiness);
      });
    const putBehindBalancer = (r: LocalReplica) =>
      balancer.addReplica({
        name: r.name,
        ports: Object.fromEntries(BALANCED.map((s) => [s, portOf(r.urls[s]!)])),
        readyzUrl: readyzOf(r),
      });
    const allReady = readyBehindBalancer(replicas.map((r) => r.name));
    for (const r of replicas) putBehindBalancer(r);
    await withTimeout(allReady, o.readyTimeoutMs, () =>
      balancer
        .status()
        .filter((s) => !s.ready)
        .map((s) => `${s.name}: ${s.reason}`)
        .join('; '),
    );
    say(`${replicas.length} kas replicas ready behind the balancer in ${seconds(since)}:`);
    for (const r of replicas)
      say(
        `  ${r.name}  pid ${r.pid}  agent :${portOf(r.urls.agent!)}  proxy :${portOf(r.urls.proxy!)}  api :${portOf(r.urls.api!)}  readyz ${readyzOf(r)}  log ${r.logFile}`,
      );
    const urls = {
      agent: agentUrl,
      proxy: proxyUrl,
      api: `http://127.0.0.1:${balancer.ports.api}`,
    };
    say(`balancer: agents ${urls.agent}, kubectl ${urls.proxy}, console API ${urls.api}`);
    balancer.on('readiness', (s) =>
      say(`${s.name} is ${s.ready ? 'ready again' : `not ready: ${s.reason}`}`),
    );
    return {
      replicas,
      balancer,
      urls,
      caFile: replicas[0]!.urls.agentCaFile ?? path.join(replicas[0]!.dataDir, 'tls', 'shared', 'ca.crt'),
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      secret,
      dirs,
      redis,
      servicePids: () =>
        [postgresPid(postgres), redis.pid()].filter((pid): pid is number => pid !== undefined),
      async restart(name: string) {
        const i = replicas.findIndex((r) => r.name === name);
        const old = replicas[i];
        if (!old) throw new Error(`no replica named ${name} (${replicas.map((r) => r.name).join(', ')})`);
        if (old.process.child.exitCode === null && old.process.child.signalCode === null)
          throw new Error(`${name} (pid ${old.pid}) still runs: stop it before restarting it`);
        balancer.removeReplica(name);
        const since = Date.now();
        const replica = await waitReady(spawnReplica(i));
        replicas[i] = replica;
        const ready = readyBehindBalancer([name]);
        putBehindBalancer(replica);
        await withTimeout(ready, o.readyTimeoutMs, () =>
          balancer
            .status()
            .filter((s) => s.name === name)
            .map((s) => `${s.name}: ${s.reason}`)
            .join('; '),
        );
        say(`${name} restarted in ${seconds(since)}: pid ${replica.pid}, log ${replica.logFile}`);
        return replica;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopKas(kas: KasProcess, graceMs: number): Promise<void> {
  if (kas.child.exitCode !== null || kas.child.signalCode !== null) return;
  kas.child.kill('SIGTERM');
  const timer = setTimeout(() => kas.child.kill('SIGKILL'), graceMs);
  await kas.exited;
  clearTimeout(timer);
}

/** The postmaster's pid, from the first line of postmaster.pid (root may read the postgres-owned file). */
function postgresPid(postgres: TestPostgres): number | undefined {
  if (!postgres.serverDir) return undefined;
  try {
    const pid = Number(
      readFileSync(path.join(postgres.serverDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout(promise: Promise<void>, ms: number, why: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the kas replicas were not all ready within ${ms / 1000} s: ${why()}`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

const readyzOf = (r: LocalReplica) => new URL('/readyz', r.urls.observability).toString();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
