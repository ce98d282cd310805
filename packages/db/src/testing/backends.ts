// Run one suite against both backends. PGlite takes about 3 s to start, so call
// describeWithDatabases ONCE per test file and nest the file's suites inside it: each backend is
// opened once in beforeAll and closed in afterAll.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type DatabaseBackend, type OpenedDatabase } from '../open';
import { startTestPostgres } from './postgres';

export const testBackends: readonly DatabaseBackend[] = ['pglite', 'postgres'];

export interface TestDatabase extends OpenedDatabase {
  /** Closes the database and removes what it created (temp dir or database). */
  dispose(): Promise<void>;
}

export async function openTestDatabase(backend: DatabaseBackend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-pglite-'));
    const opened = await openDatabase({ dataDir: dir });
    return {
      ...opened,
      async dispose() {
        await opened.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pgServer = await startTestPostgres();
  try {
    const opened = await openDatabase({ url: pgServer.url, poolSize: 4 });
    return {
      ...opened,
      async dispose() {
        await opened.close();
        await pgServer.stop();
      },
    };
  } catch (err) {
    await pgServer.stop();
    throw err;
  }
}

/**
 * `describe` once per backend; `database()` inside tests returns that backend's open database.
 * Opening failures fail the suite (never a skip).
 */
export function describeWithDatabases(
  name: string,
  body: (ctx: { backend: DatabaseBackend; database: () => OpenedDatabase }) => void,
): void {
  describe.each(testBackends)(`${name} [%s]`, (backend) => {
    let opened: TestDatabase | undefined;
    beforeAll(async () => {
      opened = await openTestDatabase(backend);
    }, 120_000);
    afterAll(async () => {
      await opened?.dispose();
    });
    body({
      backend,
      database: () => {
        if (!opened)
          throw new Error(`the ${backend} test database did not open; see the beforeAll error above`);
        return opened;
      },
    });
  });
}
