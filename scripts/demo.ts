// `pnpm start`: the whole demo on this machine — a real local Kubernetes cluster (built from Go modules),
// written kubeconfigs, and everything stopped again on Ctrl-C.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '@mooring/kube-dev';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.MOORING_DATA_DIR ?? path.join(repoRoot, '.mooring'));
const demoDir = path.join(dataDir, 'demo');

async function main(): Promise<void> {
  await mkdir(demoDir, { recursive: true });
  const started = Date.now();
  console.log('[demo] starting a local Kubernetes cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok)…');
  const cluster = await startCluster({ nodes: 2, name: 'demo' });
  const adminKubeconfig = path.join(demoDir, 'admin.kubeconfig.yaml');
  await copyFile(cluster.kubeconfigPath, adminKubeconfig);
  console.log(`[demo] cluster ${cluster.version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server}`);
  console.log(`[demo] admin kubeconfig (straight to the local cluster): ${adminKubeconfig}`);
  console.log(`[demo]   try: ${cluster.kubectlPath} --kubeconfig ${adminKubeconfig} get nodes`);
  console.log('[demo] running; press Ctrl-C to stop everything.');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[demo] ${signal}: stopping…`);
    await cluster.stop();
    console.log('[demo] stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
