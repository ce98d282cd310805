import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { KubeBinaries } from './build';
import { startCluster } from './cluster';

const scratch = mkdtempSync(join(tmpdir(), 'kube-dev-cluster-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Real processes, but ones that fail at once: proves the error names the component and its log.
const failingBinaries = {
  'kube-apiserver': '/bin/false',
  'kube-controller-manager': '/bin/false',
  'kube-scheduler': '/bin/false',
  kubectl: '/bin/false',
  etcd: '/bin/sh',
  kwok: '/bin/false',
  dir: scratch,
  version: 'v1.36.3',
  kwokCrdDir: scratch,
} satisfies KubeBinaries;

it('fails with the component name and its last log lines when a component exits during startup', async () => {
  const dataDir = join(scratch, 'cluster');
  // `/bin/sh --name=default ...` prints an error about the unknown option and exits.
  await expect(
    startCluster({ binaries: failingBinaries, dataDir, removeDataDirOnStop: true }),
  ).rejects.toThrow(
    /etcd exited \(exit code \d+\) while waiting for etcd \/health[\s\S]*Last lines of .*etcd\.log:\n.*\S/,
  );
  expect(existsSync(dataDir)).toBe(false);
});

it('validates its options before starting anything', async () => {
  await expect(startCluster({ nodes: 0, binaries: failingBinaries })).rejects.toThrow(
    /nodes must be an integer/,
  );
  await expect(startCluster({ name: 'Bad_Name', binaries: failingBinaries })).rejects.toThrow(/lowercase/);
  expect(readdirSync(scratch)).toEqual([]);
});
