import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { clusterInfo } from '../cluster-info';
import { startCluster } from '../cluster';
import {
  componentHealth,
  devClusterPaths,
  readDevClusterState,
  stopDevCluster,
  writeDevClusterState,
} from '../state';
import { parseKubeCliArgs } from './args';

const paths = devClusterPaths();
const nodes = Number(process.env.MOORING_KUBE_NODES ?? 2);

try {
  const { pin } = parseKubeCliArgs(process.argv.slice(2), process.env, { allowAll: false });
  const previous = await readDevClusterState();
  if (previous) {
    const health = await componentHealth(previous.cluster);
    if (health.every((component) => component.healthy) && previous.cluster.version === pin.kubernetes) {
      console.log(
        `Cluster already running (Kubernetes ${previous.cluster.version}, since ${previous.startedAt}); admin kubeconfig: ${paths.demoAdminKubeconfig}`,
      );
      process.exit(0);
    }
    if (health.every((component) => component.healthy)) {
      throw new Error(
        `A Kubernetes ${previous.cluster.version} cluster is already running; stop it first (pnpm kube:down), then start ${pin.kubernetes}`,
      );
    }
    console.log('Found a cluster that is not healthy any more; stopping what is left of it first.');
    await stopDevCluster(previous);
  }
  await rm(paths.clusterDataDir, { recursive: true, force: true });
  const cluster = await startCluster({
    name: 'mooring-dev',
    nodes,
    version: pin.minor,
    dataDir: paths.clusterDataDir,
    outliveParent: true,
    removeDataDirOnStop: true,
    log: (line) => console.log(line),
  });
  await writeDevClusterState({ startedAt: new Date().toISOString(), cluster: clusterInfo(cluster) });
  await mkdir(dirname(paths.demoAdminKubeconfig), { recursive: true });
  await copyFile(cluster.kubeconfigPath, paths.demoAdminKubeconfig);
  await copyFile(cluster.agentKubeconfigPath, paths.demoAgentKubeconfig);
  console.log(`
Kubernetes ${cluster.version} is running at ${cluster.server} (${cluster.nodeNames.length} kwok nodes).
  admin kubeconfig:  ${paths.demoAdminKubeconfig}
  agent kubeconfig:  ${paths.demoAgentKubeconfig}  (${cluster.agentNamespace}/${cluster.agentServiceAccount})
  kubectl:           ${cluster.kubectlPath}
  state:             ${paths.stateFile}
  component logs:    ${cluster.dataDir}/components/
Try: KUBECONFIG=${paths.demoAdminKubeconfig} ${cluster.kubectlPath} get nodes
Stop with: pnpm kube:down`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
