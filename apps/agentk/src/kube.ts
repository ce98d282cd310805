// agentk's identity in its cluster: a kubeconfig file (outside a cluster) or the in-cluster service account.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { KubernetesVersion } from '@mooring/proto/gen/mooring/rpc/rpc';

export function loadKubeConfig(kubeconfigFile: string | null): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigFile) {
    try {
      kc.loadFromFile(kubeconfigFile);
    } catch (error) {
      throw new Error(`--kubeconfig: cannot load ${kubeconfigFile}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST)
      throw new Error(
        'agentk is not running in a cluster (KUBERNETES_SERVICE_HOST is not set): pass --kubeconfig <file> to run it outside one',
      );
    kc.loadFromCluster();
  }
  if (!kc.getCurrentCluster())
    throw new Error(
      'the kubeconfig has no current cluster: set current-context or pass a kubeconfig with one',
    );
  return kc;
}

/** GET /version through discovery. */
export async function readKubernetesVersion(kc: KubeConfig): Promise<KubernetesVersion> {
  const info = await kc.makeApiClient(VersionApi).getCode();
  return { major: info.major, minor: info.minor, gitVersion: info.gitVersion, platform: info.platform };
}
