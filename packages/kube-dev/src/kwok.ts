import { stringify } from 'yaml';
import type { ClusterLayout, ClusterPorts } from './layout';
import type { ClusterPki } from './pki';

/** Per-pod rule kinds kwok watches as custom resources (created by appendPodLog / forwardPodPort). */
export const kwokPodRuleKinds = ['Logs', 'Attach', 'Exec', 'PortForward'] as const;

export const kwokPodCidr = '10.244.0.0/16';

export function kwokArgs(layout: ClusterLayout, ports: ClusterPorts, pki: ClusterPki): string[] {
  return [
    `--kubeconfig=${layout.kubeconfigs.kwok}`,
    `--config=${layout.kwokConfigFile}`,
    '--manage-all-nodes=true',
    `--cidr=${kwokPodCidr}`,
    // Every fake node's kubelet endpoint is this one kwok server on loopback.
    '--node-ip=127.0.0.1',
    `--node-port=${ports.kwok}`,
    `--server-address=127.0.0.1:${ports.kwok}`,
    `--tls-cert-file=${pki.componentCert}`,
    `--tls-private-key-file=${pki.componentKey}`,
    '--node-lease-duration-seconds=40',
    `--enable-crds=${kwokPodRuleKinds.join(',')}`,
  ];
}

export function kwokHealthUrl(ports: ClusterPorts): string {
  return `https://127.0.0.1:${ports.kwok}/healthz`;
}

export interface ExecIdentity {
  uid: number;
  gid: number;
}

/** `nobody:nogroup`, when this process may switch users (root); otherwise exec runs as ourselves. */
export function defaultExecIdentity(): ExecIdentity | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

/** The environment of every exec'd command (kwok adds it to its own). */
export function localExecEnvs(execWorkDir: string): { name: string; value: string }[] {
  return [
    { name: 'HOME', value: execWorkDir },
    { name: 'PATH', value: '/usr/local/bin:/usr/bin:/bin' },
  ];
}

/**
 * kwok's `--config`: cluster-wide defaults so every pod answers exec, logs and attach. Per-pod
 * Logs/Attach/PortForward custom resources (see pod-io.ts) take precedence over these.
 */
export function kwokConfigYaml(layout: ClusterLayout, execAs: ExecIdentity | undefined): string {
  const header = { apiVersion: 'kwok.x-k8s.io/v1alpha1' };
  const docs = [
    {
      ...header,
      kind: 'ClusterExec',
      metadata: { name: 'kube-dev-local-exec' },
      spec: {
        execs: [
          {
            local: {
              workDir: layout.execWorkDir,
              envs: localExecEnvs(layout.execWorkDir),
              ...(execAs ? { securityContext: { runAsUser: execAs.uid, runAsGroup: execAs.gid } } : {}),
            },
          },
        ],
      },
    },
    {
      ...header,
      kind: 'ClusterLogs',
      metadata: { name: 'kube-dev-default-logs' },
      spec: { logs: [{ logsFile: layout.defaultPodLogFile, follow: true }] },
    },
    {
      ...header,
      kind: 'ClusterAttach',
      metadata: { name: 'kube-dev-default-attach' },
      spec: { attaches: [{ logsFile: layout.defaultPodLogFile }] },
    },
  ];
  return docs.map((doc) => stringify(doc)).join('---\n');
}

export function kwokNodeName(index: number): string {
  return `kwok-node-${index}`;
}

export function kwokNodesYaml(count: number): string {
  return Array.from({ length: count }, (_, index) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: kwokNodeName(index),
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': kwokNodeName(index),
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
          type: 'kwok',
        },
      },
      spec: {},
    }),
  ).join('---\n');
}
