import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startCluster } from './cluster';
import { runKubectl } from './kubectl';
import { listeningPorts } from './net';
import { liveGroupMembers } from './processes';
import { kubeCluster } from './testing';

it('a second cluster runs beside the shared one, and stop() leaves no process, port or directory', async () => {
  const shared = kubeCluster();
  const second = await startCluster({ nodes: 1, name: 'lifecycle' });
  const ports = Object.values(second.ports);
  try {
    expect(second.server).not.toBe(shared.server);
    const nodes = await runKubectl(second.kubectlPath, ['get', 'nodes', '-o', 'name'], {
      kubeconfig: second.kubeconfigPath,
    });
    expect(nodes.stdout.trim()).toBe('node/kwok-node-0');
    const listening = listeningPorts();
    for (const port of ports) expect(listening?.has(port), `port ${port}`).toBe(true);
  } finally {
    await second.stop();
  }
  for (const pid of Object.values(second.pids)) expect(liveGroupMembers(pid)).toEqual([]);
  const listening = listeningPorts();
  for (const port of ports) expect(listening?.has(port), `port ${port} still listening`).toBe(false);
  expect(existsSync(second.dataDir)).toBe(false);
  // The shared cluster is untouched.
  expect(listening?.has(shared.ports.apiserver)).toBe(true);
});
