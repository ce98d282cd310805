import type { ClusterPorts } from './layout';

export interface EtcdCompaction {
  /** etcd's revision when the compaction ran; every older revision is gone. */
  revision: number;
}

/**
 * Compacts the cluster's etcd up to its current revision (etcd's v3 HTTP gateway on the client URL), so any
 * resourceVersion older than now is gone from etcd: a watch or an exact LIST from it is answered 410 Gone once
 * kube-apiserver's watch cache no longer covers it. Harmless for a running cluster (kube-apiserver compacts on its
 * own every few minutes); `physical` waits until etcd has actually dropped the old revisions.
 */
export async function compactEtcd(ports: Pick<ClusterPorts, 'etcdClient'>): Promise<EtcdCompaction> {
  const base = `http://127.0.0.1:${ports.etcdClient}`;
  const status = (await etcdPost(base, '/v3/maintenance/status', {})) as { header?: { revision?: string } };
  const revision = Number(status.header?.revision);
  if (!Number.isSafeInteger(revision) || revision < 1)
    throw new Error(`kube-dev: etcd at ${base} reported no revision: ${JSON.stringify(status)}`);
  try {
    await etcdPost(base, '/v3/kv/compaction', { revision: String(revision), physical: true });
  } catch (error) {
    // Nothing was written since the last compaction (ours or kube-apiserver's): already where we want it.
    if (!/required revision has been compacted/.test((error as Error).message)) throw error;
  }
  return { revision };
}

async function etcdPost(base: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`kube-dev: etcd ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}
