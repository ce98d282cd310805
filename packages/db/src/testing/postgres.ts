// Real PostgreSQL for tests. With MOORING_TEST_DATABASE_URL set (CI starts a server), every call
// creates a fresh database on that server. Otherwise a throwaway server is started from
// /usr/lib/postgresql/15/bin (as the `postgres` user when we are root) on a free loopback port,
// fsync off, and stopped when the last user calls stop() or the process exits.
// If neither works this throws with what to fix: a DB suite must never pass by skipping PostgreSQL.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** URL of a database created for this caller alone. */
  readonly url: string;
  readonly databaseName: string;
  /** A throwaway server's directory; undefined on a configured server. */
  readonly serverDir: string | undefined;
  /** Drops the database; the last stop() of a throwaway server also stops the server. */
  stop(): Promise<void>;
}

const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

interface Server {
  adminUrl: string;
  users: number;
  shutdown(): void;
  /** A throwaway server's directory (data, socket, log). */
  dir?: string;
}

let serverPromise: Promise<Server> | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function runAsPostgres(pgBin: string, binary: string, args: string[]): void {
  const exe = path.join(pgBin, binary);
  const isRoot = process.getuid?.() === 0;
  const [cmd, cmdArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  const res = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) {
    throw new Error(
      `${binary} failed (${res.error?.message ?? `exit ${res.status}`}): ${(res.stderr || res.stdout || '').trim().slice(-2000)}`,
    );
  }
}

async function startThrowawayServer(pgBin: string, parentDir = os.tmpdir()): Promise<Server> {
  if (!fs.existsSync(path.join(pgBin, 'initdb'))) {
    throw new Error(
      `PostgreSQL tests need a server: set MOORING_TEST_DATABASE_URL=postgres://… or install PostgreSQL 15 (${pgBin}/initdb not found)`,
    );
  }
  // mkdtemp makes it 0700: only its owner (postgres when we are root) reads the cluster.
  const dir = fs.mkdtempSync(path.join(parentDir, 'mooring-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  runAsPostgres(pgBin, 'initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--locale=C.UTF-8',
  ]);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  runAsPostgres(pgBin, 'pg_ctl', [
    '-D',
    dataDir,
    '-o',
    opts,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  let stopped = false;
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    try {
      runAsPostgres(pgBin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', shutdown);
  return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, users: 0, shutdown, dir };
}

export interface StartTestPostgresOptions {
  /** Defaults to MOORING_TEST_DATABASE_URL. */
  url?: string;
  /** Where initdb/pg_ctl live; defaults to MOORING_TEST_PG_BIN or /usr/lib/postgresql/15/bin. */
  pgBin?: string;
  /** A throwaway server of this caller's own even where CI configured a shared one (the local replica launcher). */
  own?: boolean;
  /** Where a throwaway server's directory is made (default the system temp dir); postgres must be able to reach it. */
  parentDir?: string;
}

const wantsOwnServer = (o: StartTestPostgresOptions) =>
  o.own === true || o.pgBin !== undefined || o.parentDir !== undefined;

async function server(options: StartTestPostgresOptions): Promise<Server> {
  // An explicit pgBin asks for a throwaway server even where CI configured a shared one.
  const ownServer = wantsOwnServer(options);
  const configured = options.url ?? (ownServer ? undefined : process.env.MOORING_TEST_DATABASE_URL);
  if (configured) return { adminUrl: configured, users: 0, shutdown() {} };
  const explainFailure = (err: unknown): never => {
    throw new Error(
      `could not start a throwaway PostgreSQL (${(err as Error).message}); set MOORING_TEST_DATABASE_URL=postgres://user@host:port/db to use an existing server`,
      { cause: err },
    );
  };
  const pgBin = options.pgBin ?? process.env.MOORING_TEST_PG_BIN ?? DEFAULT_PG_BIN;
  if (ownServer) return startThrowawayServer(pgBin, options.parentDir).catch(explainFailure);
  serverPromise ??= startThrowawayServer(pgBin).catch((err: unknown) => {
    serverPromise = undefined;
    return explainFailure(err);
  });
  return serverPromise;
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(text);
  } catch (err) {
    throw new Error(
      `PostgreSQL at ${new URL(adminUrl).host} refused "${text}": ${(err as Error).message}; the test server needs a role that may create databases`,
      { cause: err },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, empty database on a real PostgreSQL server. */
export async function startTestPostgres(options: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const srv = await server(options);
  const databaseName = `mooring_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(srv.adminUrl, `create database ${databaseName}`);
  srv.users++;
  const url = new URL(srv.adminUrl);
  url.pathname = `/${databaseName}`;
  let done = false;
  return {
    url: url.toString(),
    databaseName,
    serverDir: srv.dir,
    async stop() {
      if (done) return;
      done = true;
      await adminQuery(srv.adminUrl, `drop database if exists ${databaseName} with (force)`).catch(
        () => undefined,
      );
      if (--srv.users === 0) {
        if (!wantsOwnServer(options)) serverPromise = undefined;
        srv.shutdown();
      }
    },
  };
}
