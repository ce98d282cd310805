// The real stack for browser tests: a real kas (console API on a free port, PGlite in a temp dir) and the real
// console (`next start`, built when stale) pointed at it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { startConsole, type RunningConsole } from '@mooring/console/server/start';
import { startKas, type RunningKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';

export const adminUsername = 'admin';
export const adminPassword = 'e2e-admin-password-1';

export interface Stack {
  kas: RunningKas;
  console: RunningConsole;
  consoleUrl: string;
  kasUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-e2e-'));
  const config = loopbackTestConfig(dataDir, {
    MOORING_ADMIN_PASSWORD: adminPassword,
    MOORING_LOG_LEVEL: 'warn',
  });
  // kas logs JSON lines; keep them out of the test output unless something fails.
  const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const { createLogger } = await import('../../apps/kas/src/logger');
  const kas = await startKas(config, { logger: createLogger({ level: 'warn', destination: quiet }) });
  let consoleProcess: RunningConsole;
  try {
    consoleProcess = await startConsole({ kasUrl: kas.urls.api, log: () => undefined });
  } catch (error) {
    await kas.stop();
    throw error;
  }
  return {
    kas,
    console: consoleProcess,
    consoleUrl: consoleProcess.url,
    kasUrl: kas.urls.api,
    dataDir,
    async stop() {
      await consoleProcess.stop();
      await kas.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
