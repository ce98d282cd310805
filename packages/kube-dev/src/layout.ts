import { join } from 'node:path';

/** Loopback ports of one cluster's components. */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  /** kwok's kubelet server: exec, logs, attach and port-forward arrive here from the apiserver. */
  kwok: number;
}

/** Where every file of a cluster lives under its data dir. */
export interface ClusterLayout {
  dataDir: string;
  pkiDir: string;
  etcdDataDir: string;
  apiserverCertDir: string;
  tokenFile: string;
  kwokConfigFile: string;
  /** Pod logs: `<podLogDir>/<namespace>/<pod>/<container>.log` in CRI format. */
  podLogDir: string;
  defaultPodLogFile: string;
  /** Working directory of `kubectl exec` commands (world-writable, sticky). */
  execWorkDir: string;
  componentLogDir: string;
  kubeconfigs: {
    admin: string;
    agent: string;
    controllerManager: string;
    scheduler: string;
    kwok: string;
  };
}

export function clusterLayout(dataDir: string): ClusterLayout {
  const kubeconfigDir = join(dataDir, 'kubeconfig');
  return {
    dataDir,
    pkiDir: join(dataDir, 'pki'),
    etcdDataDir: join(dataDir, 'etcd'),
    apiserverCertDir: join(dataDir, 'apiserver'),
    tokenFile: join(dataDir, 'pki', 'tokens.csv'),
    kwokConfigFile: join(dataDir, 'kwok.yaml'),
    podLogDir: join(dataDir, 'logs'),
    defaultPodLogFile: join(dataDir, 'logs', '_default.log'),
    execWorkDir: join(dataDir, 'exec'),
    componentLogDir: join(dataDir, 'components'),
    kubeconfigs: {
      admin: join(kubeconfigDir, 'admin.yaml'),
      agent: join(kubeconfigDir, 'mooring-agent.yaml'),
      controllerManager: join(kubeconfigDir, 'kube-controller-manager.yaml'),
      scheduler: join(kubeconfigDir, 'kube-scheduler.yaml'),
      kwok: join(kubeconfigDir, 'kwok.yaml'),
    },
  };
}
