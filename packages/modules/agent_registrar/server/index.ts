export {
  ConnectedAgents,
  type ConnectedPod,
  type ConnectedAgentsOptions,
  type PodMeta,
} from './connected-agents';
export {
  type AgentConnectionRecorder,
  type AgentPodConnection,
  type AgentPodRef,
  type KubernetesVersionInfo,
  noStorageRecorder,
} from './recorder';
export { createRegisterHandler, podMetaFromProto, POD_META_LIMITS } from './registrar-service';
export {
  AGENT_REGISTRAR_DEFAULTS,
  type AgentRegistrarOptions,
  type AgentRegistrarServer,
  installAgentRegistrar,
} from './registrar-server';
export {
  type AgentRegistrarKasModule,
  type AgentRegistrarModuleContext,
  type AgentRegistrarModuleOptions,
  type AgentRegistrarServices,
  createAgentRegistrarKasModule,
  HEARTBEAT_PERIOD_MS,
  STALE_EXPIRY_EVERY_MS,
} from './kas-module';
export { agentRegistrarSettings } from './settings';
