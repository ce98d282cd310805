export {
  type AgentConfigSource,
  type LiveAgentConfig,
  NotifyingConfigSource,
  noConfigSource,
} from './config-source';
export {
  CONFIG_STREAMS_PER_POD,
  createGetConfigurationHandler,
  type ConfigStreamHandle,
  NO_CONFIG_VERSION,
} from './configuration-service';
export {
  type AgentConfigurationOptions,
  type AgentConfigurationServer,
  installAgentConfiguration,
} from './configuration-server';
export {
  type AgentConfigurationModuleContext,
  type AgentConfigurationModuleOptions,
  type AgentConfigurationServices,
  createAgentConfigurationKasModule,
} from './kas-module';
export { agentConfigurationSettings } from './settings';
