import type { ClusterLayout, ClusterPorts } from './layout';
import type { ClusterPki } from './pki';

export function controllerManagerArgs(layout: ClusterLayout, ports: ClusterPorts, pki: ClusterPki): string[] {
  return [
    `--kubeconfig=${layout.kubeconfigs.controllerManager}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    `--tls-cert-file=${pki.componentCert}`,
    `--tls-private-key-file=${pki.componentKey}`,
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--leader-elect=false',
    '--v=1',
  ];
}

export function controllerManagerHealthUrl(ports: ClusterPorts): string {
  return `https://127.0.0.1:${ports.controllerManager}/healthz`;
}
