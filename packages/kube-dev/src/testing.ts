import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { KubeClusterInfo } from './cluster-info';
import { compactEtcd, type EtcdCompaction } from './etcd-compaction';
import { runKubectl, type KubectlResult } from './kubectl';

export type { KubectlResult } from './kubectl';
export type { EtcdCompaction } from './etcd-compaction';
export { uncachedWatchResource } from './apiserver';

/** The run's shared cluster, started by the integration project's globalSetup. */
export function kubeCluster(): KubeClusterInfo {
  const cluster = inject('kubeCluster');
  if (!cluster) {
    throw new Error(
      'kube-dev: no cluster was provided; run integration tests through the "integration" vitest project ' +
        '(pnpm test:int or pnpm exec vitest run --project integration <file>)',
    );
  }
  return cluster;
}

export interface KubectlRunOptions {
  /** Default: the shared cluster's admin kubeconfig. */
  kubeconfig?: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs the cluster's own kubectl (same version as the server); never throws on a failing command. */
export function kubectl(args: string[], options: KubectlRunOptions = {}): Promise<KubectlResult> {
  const cluster = kubeCluster();
  return runKubectl(cluster.kubectlPath, args, {
    kubeconfig: options.kubeconfig ?? cluster.kubeconfigPath,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
}

/** Creates namespace `t-<random>`; resolves with its name. */
export async function createFreshNamespace(): Promise<string> {
  const name = `t-${randomBytes(4).toString('hex')}`;
  const result = await kubectl(['create', 'namespace', name]);
  if (result.code !== 0) throw new Error(`kube-dev: could not create namespace ${name}: ${result.stderr}`);
  const serviceAccount = await waitForDefaultServiceAccount(name);
  if (!serviceAccount)
    throw new Error(`kube-dev: namespace ${name} got no default ServiceAccount within 30 s`);
  return name;
}

/** Pods are rejected until the controller-manager has made the namespace's default ServiceAccount. */
async function waitForDefaultServiceAccount(namespace: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await kubectl(['get', 'serviceaccount', 'default', '-n', namespace])).code === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/**
 * A namespace of its own for the calling test file: created before the file's tests, deleted after.
 * Read `.name` inside tests or hooks.
 */
export function useFreshNamespace(): { readonly name: string } {
  let name: string | undefined;
  beforeAll(async () => {
    name = await createFreshNamespace();
  });
  afterAll(async () => {
    if (name) await deleteNamespace(name);
  });
  return {
    get name(): string {
      if (!name)
        throw new Error('useFreshNamespace(): read .name inside a test or hook, after beforeAll ran');
      return name;
    },
  };
}

/** Polls until `check` returns a value (or throws its last error after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Compacts the shared cluster's etcd up to its current revision. A watch of `uncachedWatchResource`
 * (PodTemplates) from an older resourceVersion is then answered 410 Gone, which is how a test forces a client to
 * relist. Cached resources (pods, configmaps, ...) keep serving ≥ 75 s of history from kube-apiserver's watch cache.
 */
export function compactClusterEtcd(cluster: KubeClusterInfo = kubeCluster()): Promise<EtcdCompaction> {
  return compactEtcd(cluster.ports);
}
