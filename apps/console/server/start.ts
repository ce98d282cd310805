// Starts the console for `pnpm start`, the e2e tests and the bench: builds it when the build is missing or older
// than its sources, then runs the console's server (serve.ts: Next's handler) as a child process pointed at kas.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(consoleDir, '../..');
const nextBin = createRequire(path.join(consoleDir, 'package.json')).resolve('next/dist/bin/next');
const serveScript = path.join(consoleDir, 'server', 'serve.ts');

/** Everything the build is made from; a newer file here means the build is stale. */
const sources = [
  'apps/console/app',
  'apps/console/components',
  'apps/console/lib',
  'apps/console/server',
  'apps/console/next.config.ts',
  'apps/console/postcss.config.mjs',
  'apps/console/package.json',
  'apps/console/tsconfig.json',
  'packages/ui/src',
  'packages/modules/version_policy/shared',
  'packages/modules/agent_configuration/shared',
].map((p) => path.join(repoRoot, p));

export interface StartConsoleOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** kas's console API, e.g. http://127.0.0.1:8153. */
  kasUrl: string;
  host?: string;
  /** Where `next build` / server output goes; default: inherited stderr lines prefixed "[console]". */
  log?: (line: string) => void;
  /** Extra environment for the console server (MOORING_TRUSTED_PROXIES, MOORING_HEADERS_TIMEOUT_MS, …). */
  env?: Record<string, string>;
}

export interface RunningConsole {
  url: string;
  stop(): Promise<void>;
}

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) {
    if (
      entry === 'node_modules' ||
      entry === '.next' ||
      entry.endsWith('.test.ts') ||
      entry.endsWith('.test.tsx')
    )
      continue;
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  }
  return newest;
}

export function consoleBuildIsFresh(): boolean {
  const buildId = path.join(consoleDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return false;
  const built = statSync(buildId).mtimeMs;
  return sources.every((s) => newestMtime(s) <= built);
}

/** `node <args>` in the console's directory, its output as log lines. */
function run(args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: consoleDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
  }
  return child;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** One build at a time across processes (the demo and a test run may both start a console). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(consoleDir, '.next-build.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 5 minutes belongs to a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`console build lock ${lock} held for 5 minutes; remove it if no build is running`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function buildConsoleIfStale(
  log: (line: string) => void = (l) => process.stderr.write(`[console] ${l}\n`),
): Promise<boolean> {
  if (consoleBuildIsFresh()) return false;
  return withBuildLock(async () => {
    if (consoleBuildIsFresh()) return false;
    log('building the console (next build) because the build is missing or older than its sources…');
    const started = Date.now();
    const child = run([nextBin, 'build'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, log);
    const code = await exitOf(child);
    if (code !== 0)
      throw new Error(
        `next build failed with exit code ${code}; run "pnpm --filter @mooring/console build" to see why`,
      );
    log(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  });
}

/** A port free on `host` now (the e2e stack tells kas the console's URL before the console starts). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the console server exited with code ${child.exitCode} before serving ${url}`);
    try {
      const response = await fetch(`${url}/login`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`the console did not answer at ${url} within ${timeoutMs / 1000} s`);
}

export async function startConsole(options: StartConsoleOptions): Promise<RunningConsole> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[console] ${line}\n`));
  const host = options.host ?? '127.0.0.1';
  await buildConsoleIfStale(log);
  const port = options.port && options.port > 0 ? options.port : await freePort(host);
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    MOORING_KAS_URL: options.kasUrl,
    HOSTNAME: host,
    PORT: String(port),
    ...options.env,
  };
  // serve.ts: Next's handler behind our own server (socket time limits, the browser's address for kas).
  const child = run(['--import', 'tsx', serveScript], env, log);
  const url = `http://${host}:${port}`;
  const exited = exitOf(child);
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
    })());
  try {
    await waitReady(url, child, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
