import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { KubeClusterInfo } from './cluster-info';
import { reapOrphanedClusters } from './orphans';
import { listeningPorts } from './net';
import { liveGroupMembers } from './processes';
import { eventually } from './testing';

const scratch = mkdtempSync(join(tmpdir(), 'kube-dev-exit-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts a cluster in a separate Node process (no tsx wrapper, so signals reach the owner itself). */
async function clusterInChildProcess(name: string) {
  const script = join(scratch, `${name}.mts`);
  writeFileSync(
    script,
    `import { startCluster } from ${JSON.stringify(new URL('./cluster.ts', import.meta.url).pathname)};
const cluster = await startCluster({ nodes: 1, name: ${JSON.stringify(name)} });
const { stop: _stop, ...info } = cluster;
console.log('CLUSTER ' + JSON.stringify(info));
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const info = await eventually(async () => {
    const line = output.split('\n').find((candidate) => candidate.startsWith('CLUSTER '));
    if (!line) throw new Error(`cluster not started yet: ${output}`);
    return JSON.parse(line.slice('CLUSTER '.length)) as KubeClusterInfo;
  }, 90_000);
  expect(liveGroupMembers(info.pids['kube-apiserver']!).length).toBeGreaterThan(0);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, info, exited };
}

async function expectGone(info: KubeClusterInfo): Promise<void> {
  await eventually(async () => {
    for (const pid of Object.values(info.pids)) expect(liveGroupMembers(pid)).toEqual([]);
    const listening = listeningPorts();
    for (const port of Object.values(info.ports)) expect(listening?.has(port), `port ${port}`).toBe(false);
  }, 10_000);
  expect(existsSync(info.dataDir)).toBe(false);
}

it('a process that is terminated without calling stop() still takes its cluster down', async () => {
  const { child, info, exited } = await clusterInChildProcess('sigterm-check');
  child.kill('SIGTERM');
  await exited;
  await expectGone(info);
});

it('a cluster whose owner was SIGKILLed is reaped by the next start (reapOrphanedClusters)', async () => {
  const { child, info, exited } = await clusterInChildProcess('sigkill-check');
  child.kill('SIGKILL');
  await exited;
  // Nothing could run in the killed process: its cluster is still up.
  expect(liveGroupMembers(info.pids['kube-apiserver']!).length).toBeGreaterThan(0);
  expect(await reapOrphanedClusters()).toContain(info.dataDir);
  await expectGone(info);
});
