// The version matrix: the kubectl battery's core (testing/battery-core.ts) through kas against a cluster of every
// pinned Kubernetes minor (packages/kube-dev/versions.json), with kubectl of the same minor and of the previous one,
// over HTTP/2 and HTTP/1.1. The run's shared cluster serves its own minor; the other minors' clusters start here, one
// at a time, and their binaries are built on first use (tens of minutes cold, nothing warm). Every test's name says
// the server's and the client's version; each cluster's figures are printed as `[matrix]` lines.
import { randomBytes } from 'node:crypto';
import {
  clusterKubeVersions,
  ensureKubeBinaries,
  ensureKubectl,
  pinnedKubeVersions,
  startCluster,
  type KubeCluster,
  type KubeClusterInfo,
  type KubeVersions,
} from '@mooring/kube-dev';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { coreChecks, preparePodNamespace, adminKubectl, type BatteryTarget } from './testing/battery-core';
import { KUBECTL_PROTOCOLS } from './testing/kubectl-runner';
import { startProxyWorld, type ProxyWorld } from './testing/proxy-world';

/** A cold build of one minor takes 5–25 min on 2 busy cores; warm, this hook takes well under a second. */
const buildTimeoutMs = 60 * 60_000;

/** kubectl of the same minor and of the one before (the oldest cluster's is pinned kubectl-only). */
function clientsOf(server: KubeVersions): KubeVersions[] {
  const previous = `1.${Number(server.minor.slice(2)) - 1}`;
  const older = pinnedKubeVersions.find((pin) => pin.minor === previous);
  if (!older)
    throw new Error(
      `packages/kube-dev/versions.json pins no kubectl ${previous} for the matrix row of Kubernetes ${server.minor}; add it to "kubectlOnly"`,
    );
  return [server, older];
}

const shared = inject('kubeCluster');
const figures: string[] = [];
afterAll(() => {
  for (const line of figures) console.log(line);
});

for (const server of clusterKubeVersions) {
  describe(`Kubernetes ${server.kubernetes}`, () => {
    const clients = clientsOf(server);
    const kubectls = new Map<string, string>();
    let own: KubeCluster | undefined;
    let cluster: KubeClusterInfo;
    let world: ProxyWorld;
    let viaProxy: string;
    const namespace = `matrix-${server.minor.replace('.', '-')}-${randomBytes(3).toString('hex')}`;
    let started = 0;

    beforeAll(async () => {
      const building = Date.now();
      const log = (line: string) => console.log(`[matrix] ${line}`);
      if (shared.version !== server.kubernetes) await ensureKubeBinaries({ version: server.minor, log });
      figures.push(`[matrix] ${server.kubernetes}: binaries ready in ${seconds(building)} s`);
    }, buildTimeoutMs);

    beforeAll(async () => {
      started = Date.now();
      if (shared.version === server.kubernetes) cluster = shared;
      else
        cluster = own = await startCluster({
          version: server.minor,
          name: `matrix-${server.minor.replace('.', '-')}`,
          nodes: 1,
        });
      world = await startProxyWorld(cluster);
      await world.startAgentk('agentk-matrix');
      viaProxy = world.kubeconfig(world.alicePat.token);
      await preparePodNamespace(cluster, namespace);
      figures.push(`[matrix] ${server.kubernetes}: cluster, kas and agentk ready in ${seconds(started)} s`);
    }, 240_000);

    afterAll(async () => {
      if (cluster && !own) await adminKubectl(cluster, ['delete', 'namespace', namespace, '--wait=false']);
      await world?.dispose();
      await own?.stop();
      figures.push(
        `[matrix] ${server.kubernetes}: all checks in ${seconds(started)} s (cluster start to stop)`,
      );
    });

    for (const client of clients) {
      // Each client's kubectl is ensured (built when missing) only when its tests run.
      beforeAll(async () => {
        const log = (line: string) => console.log(`[matrix] ${line}`);
        kubectls.set(client.kubernetes, (await ensureKubectl({ version: client.minor, log })).path);
      }, buildTimeoutMs);
      for (const [index, protocol] of KUBECTL_PROTOCOLS.entries()) {
        describe(`kubectl ${client.kubernetes} over ${protocol.name}`, () => {
          const target = (): BatteryTarget => ({
            cluster,
            world,
            namespace,
            kubectlPath: kubectls.get(client.kubernetes)!,
            kubectlVersion: client.kubernetes,
            viaProxy,
            protocol,
            reference: index === 0,
            tag: `${client.minor.replace('.', '-')}-${protocol.tag}`,
          });
          for (const check of coreChecks)
            it(`${check.name} (Kubernetes ${server.kubernetes}, kubectl ${client.kubernetes}, ${protocol.name})`, () =>
              check.run(target()));
        });
      }
    }
  });
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}
