import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiserverReadyUrl } from './apiserver';
import type { KubeClusterInfo } from './cluster-info';
import { controllerManagerHealthUrl } from './controller-manager';
import { etcdHealthUrl } from './etcd';
import { kwokHealthUrl } from './kwok';
import type { ClusterPorts } from './layout';
import { httpGet } from './net';
import { liveGroupMembers, stopProcessGroups } from './processes';
import { schedulerHealthUrl } from './scheduler';
import { packageRoot } from './versions';

/** `$MOORING_DATA_DIR`, else `<repo>/.mooring`. */
export function mooringDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOORING_DATA_DIR || join(packageRoot, '..', '..', '.mooring');
}

export function devClusterPaths(env: NodeJS.ProcessEnv = process.env) {
  const root = mooringDataDir(env);
  return {
    stateFile: join(root, 'kube', 'state.json'),
    clusterDataDir: join(root, 'kube', 'cluster'),
    demoAdminKubeconfig: join(root, 'demo', 'admin.kubeconfig.yaml'),
    demoAgentKubeconfig: join(root, 'demo', 'agent.kubeconfig.yaml'),
  };
}

export interface DevClusterState {
  startedAt: string;
  cluster: KubeClusterInfo;
}

export async function readDevClusterState(
  env: NodeJS.ProcessEnv = process.env,
): Promise<DevClusterState | undefined> {
  const { stateFile } = devClusterPaths(env);
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(await readFile(stateFile, 'utf8')) as DevClusterState;
}

export async function writeDevClusterState(state: DevClusterState, env: NodeJS.ProcessEnv = process.env) {
  const { stateFile } = devClusterPaths(env);
  await mkdir(join(stateFile, '..'), { recursive: true });
  await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/** Stops every process group in the state, removes the cluster's data and the state file. */
export async function stopDevCluster(
  state: DevClusterState,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const paths = devClusterPaths(env);
  await stopProcessGroups(Object.values(state.cluster.pids).reverse(), 1_500);
  await rm(state.cluster.dataDir, { recursive: true, force: true });
  for (const file of [paths.stateFile, paths.demoAdminKubeconfig, paths.demoAgentKubeconfig])
    await rm(file, { force: true });
}

export interface ComponentHealth {
  component: string;
  pid: number;
  running: boolean;
  healthy: boolean;
  detail: string;
}

function healthUrl(component: string, ports: ClusterPorts): string | undefined {
  switch (component) {
    case 'etcd':
      return etcdHealthUrl(ports);
    case 'kube-apiserver':
      return apiserverReadyUrl(ports);
    case 'kube-controller-manager':
      return controllerManagerHealthUrl(ports);
    case 'kube-scheduler':
      return schedulerHealthUrl(ports);
    case 'kwok':
      return kwokHealthUrl(ports);
    default:
      return undefined;
  }
}

export async function componentHealth(cluster: KubeClusterInfo): Promise<ComponentHealth[]> {
  const ca = Buffer.from(cluster.caData, 'base64').toString('utf8');
  return Promise.all(
    Object.entries(cluster.pids).map(async ([component, pid]) => {
      const running = liveGroupMembers(pid).includes(pid);
      const url = healthUrl(component, cluster.ports);
      if (!running || !url)
        return { component, pid, running, healthy: false, detail: running ? 'no health URL' : 'not running' };
      try {
        const token = component === 'kube-apiserver' ? cluster.adminToken : undefined;
        const response = await httpGet(url, { ca, token, timeoutMs: 3_000 });
        return {
          component,
          pid,
          running,
          healthy: response.status === 200,
          detail: `${url} → ${response.status}`,
        };
      } catch (error) {
        return { component, pid, running, healthy: false, detail: `${url}: ${(error as Error).message}` };
      }
    }),
  );
}
