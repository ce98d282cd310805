export type { AgentConfiguration, AgentModule, AgentModuleContext, KasChannel, PodIdentity } from './api';
