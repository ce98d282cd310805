import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { KubeClusterInfo } from './cluster-info';
import { listeningPorts } from './net';
import { liveGroupMembers } from './processes';
import { eventually } from './testing';

const scratch = mkdtempSync(join(tmpdir(), 'kube-dev-exit-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('a process that is terminated without calling stop() still takes its cluster down', async () => {
  const script = join(scratch, 'start-and-wait.mts');
  writeFileSync(
    script,
    `import { startCluster } from ${JSON.stringify(new URL('./cluster.ts', import.meta.url).pathname)};
const cluster = await startCluster({ nodes: 1, name: 'orphan-check' });
const { stop: _stop, ...info } = cluster;
console.log('CLUSTER ' + JSON.stringify(info));
setInterval(() => {}, 1000);
`,
  );
  const tsx = join(new URL('../../..', import.meta.url).pathname, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  child.kill('SIGTERM');
  await exited;
  await eventually(async () => {
    for (const pid of Object.values(info.pids)) expect(liveGroupMembers(pid)).toEqual([]);
    const listening = listeningPorts();
    for (const port of Object.values(info.ports)) expect(listening?.has(port), `port ${port}`).toBe(false);
  }, 10_000);
  expect(existsSync(info.dataDir)).toBe(false);
});
