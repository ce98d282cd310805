import type { ClusterLayout, ClusterPorts } from './layout';

export function etcdArgs(layout: ClusterLayout, ports: ClusterPorts): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=default',
    `--data-dir=${layout.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Test data is disposable: skipping fsync makes every write several times faster.
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=4294967296',
    '--auto-compaction-retention=1',
    '--log-level=warn',
  ];
}

export function etcdHealthUrl(ports: ClusterPorts): string {
  return `http://127.0.0.1:${ports.etcdClient}/health`;
}
