import { runKubectl } from '../kubectl';
import { componentHealth, devClusterPaths, readDevClusterState } from '../state';

try {
  const state = await readDevClusterState();
  if (!state) {
    console.log(`No cluster is recorded in ${devClusterPaths().stateFile}. Start one with: pnpm kube:up`);
    process.exitCode = 1;
  } else {
    const health = await componentHealth(state.cluster);
    console.log(
      `Cluster ${state.cluster.name} (Kubernetes ${state.cluster.version}) at ${state.cluster.server}, started ${state.startedAt}`,
    );
    for (const component of health) {
      const mark = component.healthy ? 'healthy' : component.running ? 'UNHEALTHY' : 'STOPPED';
      console.log(
        `  ${component.component.padEnd(24)} pid ${String(component.pid).padEnd(8)} ${mark.padEnd(10)} ${component.detail}`,
      );
    }
    const nodes = await runKubectl(state.cluster.kubectlPath, ['get', 'nodes', '--no-headers'], {
      kubeconfig: state.cluster.kubeconfigPath,
      timeoutMs: 10_000,
    }).catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
    console.log(
      nodes.code === 0
        ? `  nodes:\n${nodes.stdout.replace(/^/gm, '    ').trimEnd()}`
        : `  nodes: ${nodes.stderr.trim()}`,
    );
    console.log(`  admin kubeconfig: ${devClusterPaths().demoAdminKubeconfig}`);
    if (!health.every((component) => component.healthy)) {
      console.log(
        'Some components are down; see their logs in ' +
          state.cluster.dataDir +
          '/components/, or restart with pnpm kube:down && pnpm kube:up',
      );
      process.exitCode = 1;
    }
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
