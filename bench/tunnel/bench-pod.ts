// The pod the tunnel benchmarks read from (bench/tunnel, bench/peers): namespace `ns` with pod `bench` on a kwok
// node, and its log file grown to a given size.
import { appendFileSync } from 'node:fs';
import { appendPodLog, criLogLine, podLogPath, runKubectl, type KubeCluster } from '@mooring/kube-dev';
import { until } from '@mooring/modules/shared/testing/until';

/** Creates namespace `ns` and a Ready pod `bench` in it. */
export async function startBenchPod(cluster: KubeCluster, ns: string): Promise<void> {
  const kubectl = (args: string[]) =>
    runKubectl(cluster.kubectlPath, args, { kubeconfig: cluster.kubeconfigPath });
  await kubectl(['create', 'namespace', ns]);
  // Pods are refused until the namespace's default ServiceAccount exists.
  await until(
    `the default service account in ${ns}`,
    async () => (await kubectl(['get', 'sa', 'default', '-n', ns])).code === 0,
  );
  await kubectl(['run', 'bench', '-n', ns, '--image=x', '--restart=Never']);
  await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/bench', '--timeout=60s']);
}

/** Appends ~`mib` MiB of 1 KB CRI lines to pod `bench`'s log, so `logs` streams that much. */
export async function fillBenchPodLog(cluster: KubeCluster, ns: string, mib: number): Promise<void> {
  await appendPodLog(cluster, { namespace: ns, pod: 'bench', lines: ['start'] });
  const logFile = podLogPath(cluster, { namespace: ns, pod: 'bench', container: 'bench' });
  const block = criLogLine('x'.repeat(1000)).repeat(1024);
  for (let written = 0; written < mib * 1024 * 1024; written += block.length) appendFileSync(logFile, block);
}
