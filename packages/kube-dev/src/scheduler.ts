import type { ClusterLayout, ClusterPorts } from './layout';
import type { ClusterPki } from './pki';

export function schedulerArgs(layout: ClusterLayout, ports: ClusterPorts, pki: ClusterPki): string[] {
  return [
    `--kubeconfig=${layout.kubeconfigs.scheduler}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    `--tls-cert-file=${pki.componentCert}`,
    `--tls-private-key-file=${pki.componentKey}`,
    '--leader-elect=false',
    '--v=1',
  ];
}

export function schedulerHealthUrl(ports: ClusterPorts): string {
  return `https://127.0.0.1:${ports.scheduler}/healthz`;
}
