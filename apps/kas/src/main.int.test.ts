// The real entry point, the production bundle run by node: startup output, the data-dir lock, bad config, SIGTERM.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, describe, expect, it } from 'vitest';
import { kasProcessPorts as ports, spawnKas } from './testing/kas-process';

describe('kas main', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kas-main-'));
  const started: ChildProcess[] = [];

  afterAll(() => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the generated admin password once, refuses a second kas on the same data dir, and stops on SIGTERM', async () => {
    const first = spawnKas({ MOORING_DATA_DIR: dataDir, ...ports });
    started.push(first.child);
    await until('the first kas to be ready', () => first.stdout().includes('"kas is ready"'), 60_000);
    const password = /First start: created admin user "admin" with password\n\n {4}(\S+)\n/.exec(
      first.stderr(),
    )?.[1];
    expect(password).toBeDefined();
    expect(first.stdout()).not.toContain(password!);
    const apiUrl = /"api":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(first.stdout())![1]!;
    const login = await fetch(`${apiUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);

    const second = spawnKas({ MOORING_DATA_DIR: dataDir, ...ports });
    started.push(second.child);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`kas: could not start: another kas (pid `);
    expect(second.stderr()).toContain(
      `is using ${dataDir}; stop it or set MOORING_DATA_DIR to another directory`,
    );

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"stopped"');
    expect(fs.existsSync(path.join(dataDir, 'kas.lock'))).toBe(false);

    // Restarting on the same data dir works and does not print a password again.
    const third = spawnKas({ MOORING_DATA_DIR: dataDir, ...ports });
    started.push(third.child);
    await until('the restarted kas to be ready', () => third.stdout().includes('"kas is ready"'), 60_000);
    expect(third.stderr()).not.toContain('First start');
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('exits 2 naming the variable when a setting is bad', async () => {
    const bad = spawnKas({ MOORING_DATA_DIR: dataDir, MOORING_API_PORT: 'eighty' });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('MOORING_API_PORT (flag --api-port): expected a port number 0-65535');
    const flag = spawnKas({ MOORING_DATA_DIR: dataDir }, ['--bogus']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain('unknown argument "--bogus"');
  });

  it('prints the settings table for --help and starts nothing', async () => {
    const help = spawnKas({ MOORING_DATA_DIR: dataDir, MOORING_API_PORT: 'eighty' }, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/MOORING_API_PORT +--api-port +8153\n +console API/);
    expect(help.stdout()).toMatch(/MOORING_PROXY_PORT +--proxy-port +8154/);
    expect(help.stderr()).toBe('');
  });
});
