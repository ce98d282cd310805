// Real Redis for tests. With MOORING_TEST_REDIS_URL set (CI starts one), a test shares that server and keeps to its
// own key prefix. A test that stops and restarts Redis asks for its own server (`own: true`): redis-server from the
// Debian package on a free loopback port, no persistence, stopped by stop() or when the process exits.
// If neither works this throws with what to fix: a Redis suite must never pass by skipping Redis.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedLoopbackPort } from './loopback';

export interface TestRedis {
  readonly url: string;
  /** An own server's directory; undefined on a shared one. */
  readonly dir: string | undefined;
  /** An own server's pid while it runs. */
  pid(): number | undefined;
  /** A prefix no other test uses: pass it as the connection's keyPrefix. */
  readonly keyPrefix: string;
  /** Own server only: stops it (SIGKILL, like a lost server); the port stays reserved for start(). */
  kill(): Promise<void>;
  /** Own server only: starts it again on the same port. */
  start(): Promise<void>;
  /** Own server: stops it and removes its directory. Shared server: deletes this test's keys. */
  stop(): Promise<void>;
}

function ping(port: number): boolean {
  return (
    spawnSync('redis-cli', ['-p', String(port), 'ping'], {
      encoding: 'utf8',
      timeout: 5_000,
    }).stdout?.trim() === 'PONG'
  );
}

async function waitUntilUp(port: number, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if (ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
  throw new Error(`redis-server on 127.0.0.1:${port} did not start: ${log.trim() || 'no output'}`);
}

function deleteKeys(url: string, keyPrefix: string): void {
  const port = new URL(url).port || '6379';
  const host = new URL(url).hostname;
  // The prefix is ours (letters, digits, a dash), so it is safe as a glob.
  spawnSync('redis-cli', ['-h', host, '-p', port, '--scan', '--pattern', `${keyPrefix}*`], {
    encoding: 'utf8',
    timeout: 10_000,
  })
    .stdout?.split('\n')
    .filter(Boolean)
    .forEach((key) => spawnSync('redis-cli', ['-h', host, '-p', port, 'del', key], { timeout: 5_000 }));
}

export interface StartTestRedisOptions {
  /** Start a server of our own even where CI configured a shared one (tests that stop Redis). */
  own?: boolean;
  /** Where an own server's directory is made (default the system temp dir); implies `own`. */
  parentDir?: string;
}

/** A Redis server and a key prefix for this caller alone. */
export async function startTestRedis(options: StartTestRedisOptions = {}): Promise<TestRedis> {
  const keyPrefix = `mooring-test-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const shared = process.env.MOORING_TEST_REDIS_URL;
  if (shared && !options.own && options.parentDir === undefined) {
    const ownOnly = () => Promise.reject(new Error("only a test's own Redis (own: true) can be stopped"));
    return {
      url: shared,
      dir: undefined,
      pid: () => undefined,
      keyPrefix,
      kill: ownOnly,
      start: ownOnly,
      stop: async () => deleteKeys(shared, keyPrefix),
    };
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'Redis tests need a server: set MOORING_TEST_REDIS_URL=redis://… or install redis-server (apt-get install redis-server)',
    );
  }
  // mkdtemp makes it 0700.
  const dir = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), 'mooring-redis-'));
  const logFile = path.join(dir, 'redis.log');
  const port = await closedLoopbackPort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (child) return;
    const started = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        logFile,
      ],
      { stdio: 'ignore' },
    );
    child = started;
    await waitUntilUp(port, started, logFile);
  };
  const kill = async () => {
    const running = child;
    if (!running) return;
    child = null;
    if (running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid,
    keyPrefix,
    kill,
    start,
    async stop() {
      process.off('exit', onExit);
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
