export { startRegistrar, type Registrar, type RegistrarOptions } from './registrar';
export {
  createAgentRegistrarAgentModule,
  type AgentRegistrarAgentModule,
  type AgentRegistrarAgentModuleOptions,
} from './agent-module';
