export {
  startConfigWatcher,
  type ConfigWatcher,
  type ConfigWatcherOptions,
  type ReceivedConfig,
} from './config-watcher';
export {
  createAgentConfigurationAgentModule,
  type AgentConfigurationAgentModule,
  type AgentConfigurationAgentModuleOptions,
} from './agent-module';
