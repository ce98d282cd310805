// The real stack for browser tests: a real kas (console API on a free port, PGlite in a temp dir) and the real
// console (`next start`, built when stale) pointed at it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { freePort, startConsole, type RunningConsole } from '@mooring/console/server/start';
import { startKas, type RunningKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';

import { startKasGate, type KasGate } from './kas-gate';

export const adminUsername = 'admin';
export const adminPassword = 'e2e-admin-password-1';

export interface Stack {
  kas: RunningKas;
  console: RunningConsole;
  consoleUrl: string;
  kasUrl: string;
  dataDir: string;
  /** With startStack({ kasGate: true }): the relay the console reaches kas through, to make kas unreachable. */
  kasGate: KasGate | null;
  stop(): Promise<void>;
}

export async function startStack(options: { kasGate?: boolean } = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-e2e-'));
  // kas knows the console's origin, as in a deployment: the only Origin its proxy takes browser upgrades from.
  const consolePort = await freePort('127.0.0.1');
  const config = loopbackTestConfig(dataDir, {
    MOORING_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
    MOORING_ADMIN_PASSWORD: adminPassword,
    MOORING_LOG_LEVEL: 'warn',
  });
  // kas logs JSON lines; keep them out of the test output unless something fails.
  const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const { createLogger } = await import('../../apps/kas/src/logger');
  const kas = await startKas(config, { logger: createLogger({ level: 'warn', destination: quiet }) });
  let consoleProcess: RunningConsole;
  let kasGate: KasGate | null = null;
  try {
    kasGate = options.kasGate ? await startKasGate(kas.urls.api) : null;
    consoleProcess = await startConsole({
      kasUrl: kasGate?.url ?? kas.urls.api,
      port: consolePort,
      log: () => undefined,
    });
  } catch (error) {
    await kasGate?.stop();
    await kas.stop();
    throw error;
  }
  return {
    kas,
    console: consoleProcess,
    consoleUrl: consoleProcess.url,
    kasUrl: kas.urls.api,
    dataDir,
    kasGate,
    async stop() {
      await consoleProcess.stop();
      await kasGate?.stop();
      await kas.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
