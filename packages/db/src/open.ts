// openDatabase: embedded PGlite under <dataDir>/pglite (default) or PostgreSQL by URL. Both are the
// Postgres dialect, so callers get one drizzle type (`Database`) and never branch on the backend.
// Migrations under packages/db/migrations are applied on open.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import { acquireDataDirLock, type DataDirLock } from './lock-file';
import { makePrivateDir } from './private-dir';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Database | Transaction;

/** Rows of a raw `db.execute(sql…)`: both drivers answer `{rows}`, the generic HKT hides it. */
export async function selectRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export type DatabaseBackend = 'pglite' | 'postgres';

export interface OpenedDatabase {
  readonly db: Database;
  readonly backend: DatabaseBackend;
  /** Where it lives, without credentials (a directory or host:port/db). */
  readonly location: string;
  /** Entries of the data directory made private on open (PGlite; 0 for PostgreSQL). */
  readonly tightenedFiles: number;
  /** Cheap liveness probe for /readyz: resolves when `select 1` answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type OpenDatabaseOptions = (
  { dataDir: string; url?: undefined } | { url: string; dataDir?: undefined; poolSize?: number }
) & {
  /** Sees the SQL of every query (tests count the work an operation does, instead of timing it). */
  onQuery?: (query: string) => void;
};

/** Defined (true) only inside a production bundle, by scripts/build/bundles.ts. */
declare const __MOORING_BUNDLE__: boolean | undefined;

/** packages/db/migrations beside the sources; in a bundle, the copy its build puts beside it. */
export const migrationsFolder = fileURLToPath(
  new URL(typeof __MOORING_BUNDLE__ === 'undefined' ? '../migrations' : './migrations', import.meta.url),
);

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  if (options.url !== undefined)
    return openPostgres(options.url, 'poolSize' in options ? options.poolSize : undefined, options.onQuery);
  return openPglite(options.dataDir, options.onQuery);
}

async function openPglite(dataDir: string, onQuery?: (query: string) => void): Promise<OpenedDatabase> {
  const absolute = path.resolve(dataDir);
  // Before anything is created: umask 077, and what an earlier version left open is tightened.
  const { tightened } = makePrivateDir(absolute);
  const lock: DataDirLock = acquireDataDirLock(absolute);
  let client: PGlite | undefined;
  try {
    client = await PGlite.create(path.join(absolute, 'pglite'));
    // A new database is unpacked with mode 0666 files (inside our 0700 directory, so never open
    // to others); files PGlite creates later follow the umask.
    makePrivateDir(absolute);
    const db = drizzlePglite({ client, schema, logger: queryLogger(onQuery) });
    await migratePglite(db, { migrationsFolder });
    const opened = client;
    return {
      db: db as unknown as Database,
      backend: 'pglite',
      location: absolute,
      tightenedFiles: tightened,
      async ping() {
        await db.execute(sql`select 1`);
      },
      async close() {
        try {
          if (!opened.closed) await opened.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    if (client && !client.closed) await client.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}

function queryLogger(onQuery: ((query: string) => void) | undefined) {
  return onQuery ? { logQuery: (query: string) => onQuery(query) } : false;
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** pg_advisory_lock key of the migrations ("moor"): several kas replicas share one database. */
const MIGRATION_LOCK = 0x6d6f6f72;

/**
 * Migrates under a session advisory lock: replicas starting at once would otherwise each find a migration missing
 * and apply it together (one fails on "already exists"). The later ones wait, then find nothing left to do.
 */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function openPostgres(
  url: string,
  poolSize = 10,
  onQuery?: (query: string) => void,
): Promise<OpenedDatabase> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      'DATABASE_URL must start with postgres:// or postgresql:// (for example postgres://user:pass@host:5432/mooring)',
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its server must not crash kas; the next query reports the problem.
  pool.on('error', () => undefined);
  try {
    const db = drizzleNodePg({ client: pool, schema, logger: queryLogger(onQuery) });
    await migrateOnce(pool);
    return {
      db: db as unknown as Database,
      backend: 'postgres',
      location: describeUrl(url),
      tightenedFiles: 0,
      async ping() {
        await db.execute(sql`select 1`);
      },
      async close() {
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `could not open PostgreSQL at ${describeUrl(url)}: ${(err as Error).message}; check DATABASE_URL and that the server is running`,
      { cause: err },
    );
  }
}
