import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError } from './lock-file';
import { openDatabase, selectRows } from './open';
import { users } from './schema';
import { describeWithDatabases } from './testing/backends';
import { startTestPostgres } from './testing/postgres';

describeWithDatabases('openDatabase', ({ database }) => {
  it('applies every migration and round-trips unicode and SQL-ish text verbatim', async () => {
    const { db } = database();
    const tables = await selectRows<{ table_name: string }>(
      db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    const names = tables.map((r) => r.table_name);
    for (const t of [
      'users',
      'agents',
      'agent_tokens',
      'audit_log',
      'receptive_endpoints',
      'ci_job_tokens',
    ]) {
      expect(names).toContain(t);
    }
    const weird = `Robert'); DROP TABLE users;-- 🚢 Ünïcødé`;
    const [row] = await db.insert(users).values({ username: weird, passwordHash: 'x' }).returning();
    const [back] = await db
      .select()
      .from(users)
      .where(sql`${users.id} = ${row!.id}`);
    expect(back!.username).toBe(weird);
  });

  it('answers ping', async () => {
    await expect(database().ping()).resolves.toBeUndefined();
  });
});

describe('PGlite data dir lock', () => {
  it('refuses a second opener with the holder pid and the fix, and frees the dir on close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-lock-'));
    const first = await openDatabase({ dataDir: dir });
    try {
      const err = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toBe(
        `another kas (pid ${process.pid}) is using ${dir}; stop it or set MOORING_DATA_DIR to another directory`,
      );
    } finally {
      await first.close();
    }
    expect(fs.existsSync(path.join(dir, 'kas.lock'))).toBe(false);
    // Data persists across opens, and a stale lock of a dead pid is taken over.
    fs.writeFileSync(path.join(dir, 'kas.lock'), '999999\n');
    const again = await openDatabase({ dataDir: dir });
    try {
      expect(fs.readFileSync(path.join(dir, 'kas.lock'), 'utf8').trim()).toBe(String(process.pid));
      await again.ping();
    } finally {
      await again.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second kas process on the same data dir with a clear message', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-lock2-'));
    const first = await openDatabase({ dataDir: dir });
    try {
      const openTs = new URL('./open.ts', import.meta.url).pathname;
      const code = `import(${JSON.stringify(openTs)}).then((m) => m.openDatabase({ dataDir: ${JSON.stringify(dir)} })).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); });`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.status).toBe(3);
      expect(child.stderr.trim()).toBe(
        `another kas (pid ${process.pid}) is using ${dir}; stop it or set MOORING_DATA_DIR to another directory`,
      );
    } finally {
      await first.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets several kas replicas open one empty PostgreSQL database at once: one migrates, the others wait', async () => {
    const server = await startTestPostgres();
    try {
      const opened = await Promise.all(
        Array.from({ length: 4 }, () => openDatabase({ url: server.url, poolSize: 2 })),
      );
      const applied = await selectRows<{ n: number }>(
        opened[0]!.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      const files = fs
        .readdirSync(path.join(import.meta.dirname, '../migrations'))
        .filter((f) => f.endsWith('.sql'));
      expect(applied[0]!.n).toBe(files.length);
      await Promise.all(opened.map((o) => o.close()));
    } finally {
      await server.stop();
    }
  });

  it('names the URL problem for a non-postgres url', async () => {
    await expect(openDatabase({ url: 'mysql://x' })).rejects.toThrow(/must start with postgres:\/\//);
  });
});
