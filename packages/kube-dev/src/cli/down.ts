import { devClusterPaths, readDevClusterState, stopDevCluster } from '../state';

try {
  const state = await readDevClusterState();
  if (!state) {
    console.log(`No cluster is recorded in ${devClusterPaths().stateFile}; nothing to stop.`);
  } else {
    await stopDevCluster(state);
    console.log(`Stopped cluster ${state.cluster.name} and removed ${state.cluster.dataDir}.`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
