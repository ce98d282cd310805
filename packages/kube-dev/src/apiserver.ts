import type { ClusterLayout, ClusterPorts } from './layout';
import type { ClusterPki } from './pki';

export const serviceClusterIpRange = '10.96.0.0/16';

/**
 * The one built-in resource kube-apiserver serves without its watch cache (nothing in Kubernetes creates
 * PodTemplates, so no component pays for it). A cached resource keeps at least 75 s of watch history in memory
 * whatever etcd compacts, so only here does a watch from a revision older than an etcd compaction reach etcd and
 * get a real 410 Gone right away (see compactClusterEtcd in testing.ts).
 */
export const uncachedWatchResource = 'podtemplates';

export function apiserverArgs(layout: ClusterLayout, ports: ClusterPorts, pki: ClusterPki): string[] {
  const server = `https://127.0.0.1:${ports.apiserver}`;
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${layout.apiserverCertDir}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${layout.tokenFile}`,
    '--authorization-mode=Node,RBAC',
    '--anonymous-auth=false',
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--allow-privileged=true',
    // kwok reports each fake node's InternalIP as 127.0.0.1 and serves the kubelet API there.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    `--kubelet-certificate-authority=${pki.caCert}`,
    // The default reconciler would publish 127.0.0.1 as the `kubernetes` Service endpoint, which
    // Endpoints validation rejects; nothing in-cluster needs that Service.
    '--endpoint-reconciler-type=none',
    `--watch-cache-sizes=${uncachedWatchResource}#0`,
    '--profiling=false',
    '--v=1',
  ];
}

export function apiserverReadyUrl(ports: ClusterPorts): string {
  return `https://127.0.0.1:${ports.apiserver}/readyz`;
}
