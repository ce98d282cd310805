// A real agentk process (the production bundle, through the one agentk launcher) dialing the e2e kas, with the
// run's local cluster behind it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { KubeClusterInfo } from '@mooring/kube-dev';
import { kubeCluster } from '@mooring/kube-dev/testing';

import { spawnAgentkProcess } from '@mooring/agentk/testing/agentk-process';
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
  const agentk = spawnAgentkProcess(
    [
      `--kas-address=grpcs://127.0.0.1:${agentPort}`,
      `--token-file=${tokenFile}`,
      `--ca-cert-file=${path.join(stack.dataDir, 'tls', 'agent-api', 'ca.crt')}`,
      `--kubeconfig=${cluster.agentKubeconfigPath}`,
      '--observability-listen-address=127.0.0.1:0',
    ],
    { POD_NAME: podName, POD_NAMESPACE: cluster.agentNamespace },
    { cwd: repoRoot },
  );
  return {
    output: agentk.output,
    async stop() {
      await agentk.stop(5_000);
    },
  };
}
