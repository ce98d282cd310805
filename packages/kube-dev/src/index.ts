export { ensureKubeBinaries, ensureKubectl, kubeBinaryNames, kubeBinaryPath, kubeCacheDir } from './build';
export type { KubeBinaries, KubeBinaryName } from './build';
export { ensureHelm, helmCacheDir, helmVersion } from './helm';
export type { Helm } from './helm';
export { runGoStep } from './go-step';
export type { GoStep } from './go-step';
export { startCluster } from './cluster';
export { reapOrphanedClusters } from './orphans';
export type { StartClusterOptions } from './cluster';
export { clusterInfo } from './cluster-info';
export type { KubeCluster, KubeClusterInfo } from './cluster-info';
export { appendPodLog, forwardPodPort, podLogPath, setPodExec } from './pod-io';
export type {
  AppendPodLogOptions,
  ForwardPodPortOptions,
  PodRef,
  PortForwardTarget,
  SetPodExecOptions,
} from './pod-io';
export { criLogLine } from './cri-log';
export { runKubectl, kubectlOrThrow } from './kubectl';
export type { KubectlOptions, KubectlResult } from './kubectl';
export { renderKubeconfig } from './kubeconfig';
export { agentClusterRoleRules, agentNamespace, agentServiceAccount } from './agent-identity';
export { clusterKubeVersions, kubeVersions, pinnedKubeVersion, pinnedKubeVersions } from './versions';
export type { KubeVersions } from './versions';
export { compactEtcd } from './etcd-compaction';
export type { EtcdCompaction } from './etcd-compaction';
