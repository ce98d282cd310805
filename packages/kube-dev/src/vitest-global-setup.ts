import type { TestProject } from 'vitest/node';
import { ensureKubeBinaries } from './build';
import { clusterInfo, type KubeClusterInfo } from './cluster-info';
import { startCluster } from './cluster';

declare module 'vitest' {
  interface ProvidedContext {
    kubeCluster: KubeClusterInfo;
  }
}

/**
 * Integration-project globalSetup: one real cluster per `vitest run`, handed to tests through
 * `inject('kubeCluster')` (see testing.ts), stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const binaries = await ensureKubeBinaries();
  const cluster = await startCluster({ name: 'vitest', nodes: 2, binaries });
  process.stderr.write(
    `kube-dev: cluster "${cluster.name}" (Kubernetes ${cluster.version}) ready at ${cluster.server} in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s; admin kubeconfig ${cluster.kubeconfigPath}\n`,
  );
  project.provide('kubeCluster', clusterInfo(cluster));
  return async () => {
    await cluster.stop();
  };
}
