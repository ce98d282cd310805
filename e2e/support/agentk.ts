// A real agentk process (apps/agentk, run with tsx) dialing the e2e kas, with the run's local cluster behind it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { KubeClusterInfo } from '@mooring/kube-dev';
import { kubeCluster } from '@mooring/kube-dev/testing';

import type { Stack } from './stack';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AgentkProcess {
  output(): string;
  stop(): Promise<void>;
}

/** `cluster`: the run's shared one by default; a benchmark passes the cluster it started itself. */
export function startAgentk(
  stack: Stack,
  token: string,
  podName: string,
  cluster: KubeClusterInfo = kubeCluster(),
): AgentkProcess {
  const agentPort = stack.kas.ports.agent;
  if (agentPort === undefined) throw new Error('kas started without its agent listener');
  const tokenFile = path.join(stack.dataDir, `${podName}.token`);
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', path.join(repoRoot, 'apps/agentk/src/main.ts'),
      `--kas-address=grpcs://127.0.0.1:${agentPort}`,
      `--token-file=${tokenFile}`,
      `--ca-cert-file=${path.join(stack.dataDir, 'tls', 'agent-api', 'ca.crt')}`,
      `--kubeconfig=${cluster.agentKubeconfigPath}`,
      '--observability-listen-address=127.0.0.1:0',
    ], // prettier-ignore
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        POD_NAME: podName,
        POD_NAMESPACE: cluster.agentNamespace,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5_000)),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
