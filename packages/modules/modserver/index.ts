// kas's module API for the agent-facing side (GitLab's modserver): the shared agent server every module registers
// its services on, agent-token authentication, and the listener's TLS. Every module may import it.
export {
  AGENT_SERVER_DEFAULTS,
  type AgentServer,
  type AgentServerOptions,
  type AgentTokenRevoked,
  createAgentServer,
  REVOKED_MESSAGE,
  type RunningAgentServer,
} from './agent-server';
export {
  AgentCallError,
  type AgentIdentity,
  authenticateAgent,
  bearerToken,
  type OnTokenRevoked,
  type VerifiedAgent,
  type VerifyAgentToken,
} from './agent-auth';
export { disableNagle } from './flow-control';
export { agentServerOptions, agentServerSettings, seconds } from './settings';
export { type AgentApiTls, ensureSelfSignedCertificate, type TlsMaterial } from './tls';
