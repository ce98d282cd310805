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
export { createRegisterHandler, podMetaFromProto } from './registrar-service';
