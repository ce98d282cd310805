// A real agentk in the test's process, connected to a test kas and serving the run's shared local cluster with the
// agent's own kubeconfig (the identity an installed agentk has).
import fs from 'node:fs';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { kubeCluster } from '@mooring/kube-dev/testing';
import pino from 'pino';
import type { RunningKas } from '../kas';

/** Resolves once kas has the agent registered; stop it with `agentk.stop(graceMs)`. */
export async function startClusterAgentk(kas: RunningKas, token: string, podName: string): Promise<Agentk> {
  const cluster = kubeCluster();
  const agentk = await startAgentk({
    kasAddress: kas.urls.agent!,
    token,
    caCertPem: fs.readFileSync(kas.urls.agentCaFile!),
    kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
    podName,
    podNamespace: cluster.agentNamespace,
    logger: pino({ level: 'silent' }),
  });
  await agentk.registered;
  return agentk;
}
