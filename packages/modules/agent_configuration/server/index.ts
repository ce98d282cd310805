export {
  type AgentConfigSource,
  type LiveAgentConfig,
  NotifyingConfigSource,
  noConfigSource,
} from './config-source';
export {
  createGetConfigurationHandler,
  type ConfigStreamHandle,
  NO_CONFIG_VERSION,
} from './configuration-service';
