// The local launcher as a user runs it (a process of its own): 2 kas replicas, PostgreSQL and Redis from the Debian
// binaries, the balancer in front. Without the cluster and console, to keep it cheap; its duration is printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '@mooring/modules/shared/testing/until';
import { RestClient } from '../testing/api-client';

const launchFile = fileURLToPath(new URL('./launch.ts', import.meta.url));
const PASSWORD = 'launcher-test-password';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the local replica launcher', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mooring-launch-'));
  const child = spawn(process.execPath, ['--import', 'tsx', launchFile, '--', '--replicas', '2'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      MOORING_DATA_DIR: dataDir,
      MOORING_ADMIN_PASSWORD: PASSWORD,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts 2 replicas behind one address, and SIGTERM stops every process it started', async () => {
    const since = Date.now();
    await until(
      () => `the launcher to be running: ${output.slice(-3000)}`,
      () => output.includes('Running; press Ctrl-C') || child.exitCode !== null,
      180_000,
    );
    expect(child.exitCode, output).toBeNull();
    const started = Date.now() - since;

    const replicas = [...output.matchAll(/ (kas-\d) {2}pid (\d+) .* readyz (\S+)/g)].map((m) => ({
      name: m[1]!,
      pid: Number(m[2]),
      readyz: m[3]!,
    }));
    expect(replicas.map((r) => r.name)).toEqual(['kas-1', 'kas-2']);
    const servicePids = [...output.matchAll(/(?:PostgreSQL|Redis) ready in [\d.]+ s: pid (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(servicePids).toHaveLength(2);
    const dirs = [...output.matchAll(/dir (\/\S+)/g)].map((m) => m[1]!);
    dirs.push(path.join(dataDir, 'replicas'), ...replicas.map((r) => path.join(dataDir, 'replicas', r.name)));
    expect(dirs).toHaveLength(5);
    for (const dir of dirs) expect(`${dir} ${(statSync(dir).mode & 0o777).toString(8)}`).toBe(`${dir} 700`);

    // Each replica is ready itself, and the console API answers through the balancer (log in, then read).
    for (const r of replicas) expect((await fetch(r.readyz)).status, r.readyz).toBe(200);
    const api = /console API (http:\/\/\S+)/.exec(output)?.[1];
    expect(api, output).toBeDefined();
    const client = new RestClient(api!);
    expect((await client.login('admin', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await client.get('/api/v1/groups')).status).toBe(200);
    // Whichever replica answers, kubeconfigs and the console's proxy requests name the balancer (MOORING_PROXY_URL).
    const kubectlUrl = /kubectl (https:\/\/\S+),/.exec(output)?.[1];
    expect(kubectlUrl, output).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/k8s-proxy$/);
    for (let i = 0; i < 4; i++) {
      const proxy = await client.get<{ url: string }>('/api/v1/kubernetes-proxy');
      expect(proxy.body.url, proxy.text).toBe(kubectlUrl);
    }

    const stopSince = Date.now();
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    const stopped = Date.now() - stopSince;
    const pids = [...replicas.map((r) => r.pid), ...servicePids];
    await until(
      () => `every process the launcher started to be gone: ${pids.filter(alive).join(', ')}`,
      () => pids.every((pid) => !alive(pid)),
      10_000,
    );
    console.log(
      `[launcher test] 2 replicas, PostgreSQL and Redis ready in ${(started / 1000).toFixed(1)} s; stopped in ${(stopped / 1000).toFixed(1)} s; total ${((Date.now() - since) / 1000).toFixed(1)} s`,
    );
  }, 240_000);
});
