// Public API of the reverse tunnel's kas half.
export {
  type AgentApiServer,
  type AgentApiServerOptions,
  AGENT_API_DEFAULTS,
  startAgentApiServer,
} from './agent-api-server';
export {
  type AgentIdentity,
  AgentCallError,
  authenticateAgent,
  bearerToken,
  inTestTokenVerifier,
  type OnTokenRevoked,
  type VerifiedAgent,
  type VerifyAgentToken,
} from './agent-auth';
export { type AgentApiTls, ensureSelfSignedCertificate } from './tls';
export * from '../shared/tunnel-api';
export {
  createAgentApiKasModule,
  type AgentApiKasModule,
  type AgentApiModuleContext,
  type AgentApiModuleOptions,
  type AgentApiServices,
} from './kas-module';
/** The name apps/kas/src/modules.ts's comment uses for this module. */
export { createAgentApiKasModule as createReverseTunnelServerModule } from './kas-module';
