import type { ClusterPorts } from './layout';

/** Everything about a running cluster that can cross a process boundary (JSON-serialisable). */
export interface KubeClusterInfo {
  name: string;
  /** Admin kubeconfig (token of user `admin` in `system:masters`). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** base64 of the cluster CA PEM, as in a kubeconfig's certificate-authority-data. */
  caData: string;
  adminToken: string;
  /** Kubeconfig of ServiceAccount mooring-system/mooring-agent (see agent-identity.ts). */
  agentKubeconfigPath: string;
  agentToken: string;
  agentNamespace: string;
  agentServiceAccount: string;
  kubectlPath: string;
  /** Kubernetes version of the server, e.g. v1.36.3. */
  version: string;
  dataDir: string;
  /** `<podLogDir>/<namespace>/<pod>/<container>.log`, CRI format. */
  podLogDir: string;
  /** Working directory of `kubectl exec` commands. */
  execWorkDir: string;
  nodeNames: string[];
  ports: ClusterPorts;
  /** Process-group ids, by component. */
  pids: Record<string, number>;
  /** Component log files, by component. */
  componentLogs: Record<string, string>;
}

export interface KubeCluster extends KubeClusterInfo {
  /** Kills every process (whole process groups), frees the ports and removes the temp data dir. */
  stop(): Promise<void>;
}

/** Drops stop() so the rest can be handed to vitest's provide() or written to state.json. */
export function clusterInfo(cluster: KubeClusterInfo): KubeClusterInfo {
  const { stop: _stop, ...info } = cluster as KubeCluster;
  return info;
}
