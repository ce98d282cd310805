export { startAgentk, type Agentk, type AgentkOptions, type AgentkReceptiveOptions } from './agentk';
export { connectToKas, type KasConnection } from './kas-connection';
export { startObservabilityServer, type ObservabilityServer } from './observability';
export { parseAgentkFlags, FlagError, type AgentkFlags } from './flags';
export { loadKubeConfig, readKubernetesVersion } from './kube';
export { AGENTK_VERSION, AGENTK_COMMIT } from './version';
