// Starts a real kas (real listeners on port 0, a real database) for integration tests.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startKas, type RunningKas } from '../kas';
import { createLogger } from '../logger';
import type { KasModule } from '../module';
import { loopbackTestConfig } from './loopback-config';
import { startTestPostgres } from '@mooring/db/testing/postgres';
import { afterAll, beforeAll } from 'vitest';

export type TestBackend = 'pglite' | 'postgres';
export const testBackends: readonly TestBackend[] = ['pglite', 'postgres'];

export interface TestKas {
  kas: RunningKas;
  backend: TestBackend;
  apiUrl: string;
  observabilityUrl: string;
  adminUsername: string;
  adminPassword: string;
  dataDir: string;
  /** Every JSON log line kas wrote, for assertions such as "no secret was logged". */
  logLines: string[];
  dispose(): Promise<void>;
}

export const testAdminPassword = 'admin-password-for-tests';

/**
 * What several kas share, as replicas do: one PostgreSQL, one secret (kas refuses to generate one there), optionally
 * one Redis, and the test's admin password. Every multi-kas test starts its kas with this, plus its own settings.
 */
export function sharedReplicaEnv(databaseUrl: string, redisUrl?: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...(redisUrl !== undefined && { REDIS_URL: redisUrl }),
    MOORING_SECRET: randomBytes(32).toString('base64'),
    MOORING_ADMIN_PASSWORD: testAdminPassword,
  };
}

export async function startTestKas(
  backend: TestBackend,
  options: { modules?: KasModule[]; env?: Record<string, string> } = {},
): Promise<TestKas> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kas-test-'));
  const pg = backend === 'postgres' ? await startTestPostgres() : undefined;
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  try {
    const config = loopbackTestConfig(dataDir, {
      MOORING_ADMIN_PASSWORD: testAdminPassword,
      MOORING_LOG_LEVEL: 'debug',
      // PostgreSQL needs the replicas' shared secret (kas refuses to generate one there).
      ...(pg ? { DATABASE_URL: pg.url, MOORING_SECRET: randomBytes(32).toString('base64') } : {}),
      ...options.env,
    });
    const kas = await startKas(config, {
      modules: options.modules ?? [],
      logger: createLogger({ level: 'debug', destination }),
    });
    return {
      kas,
      backend,
      apiUrl: kas.urls.api,
      observabilityUrl: kas.urls.observability,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
      dataDir,
      logLines,
      async dispose() {
        await kas.stop();
        await pg?.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await pg?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A kas of its own for the calling describe block (or file): started before its tests, disposed after. Call the
 * returned function inside tests or hooks.
 */
export function useTestKas(
  backend: TestBackend,
  options: Parameters<typeof startTestKas>[1] = {},
): () => TestKas {
  let kas: TestKas | undefined;
  beforeAll(async () => {
    kas = await startTestKas(backend, options);
  }, 120_000);
  afterAll(async () => {
    await kas?.dispose();
  });
  return () => {
    if (!kas) throw new Error('useTestKas(): call it inside a test or hook, after beforeAll ran');
    return kas;
  };
}
