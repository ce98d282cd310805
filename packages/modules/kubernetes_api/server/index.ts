export {
  startKubernetesApiProxy,
  DEFAULT_PROXY_PORT,
  type KubernetesApiProxy,
  type KubernetesApiProxyOptions,
  type ProxyLog,
} from './proxy-server';
export { cachedAuthenticator, type ProxyAuthenticator, type AuthCacheOptions } from './authenticator';
export { ProxyAuthError, readCredential, type ProxyCredential } from './credentials';
export { proxyTlsSource, type ProxyTls, type ProxyTlsSource } from './tls';
export { proxyMetrics, type ProxyMetrics } from './proxy-metrics';
export {
  buildAgentsKubeconfig,
  buildProxyKubeconfig,
  type AgentsKubeconfigInput,
  type ProxyKubeconfigInput,
} from '../shared/kubeconfig';
export type { AuthorizedCaller, AuthorizedUser, AuthorizedCiJob } from '../shared/impersonation';
export {
  servicesAuthenticator,
  type ProxyAuthServices,
  type ServicesAuthenticatorOptions,
} from './services-authenticator';
export {
  createKubernetesApiProxyModule,
  type KubernetesApiProxyModuleOptions,
  type ProxyModuleContext,
} from './kas-module';
export { kubernetesApiSettings } from './settings';
export {
  AGENT_KUBE_REQUESTS,
  AgentResponseTooLargeError,
  kubeErrorMessage,
  requestThroughAgent,
  type AgentKubeRequest,
  type AgentKubeRequests,
  type AgentKubeResponse,
} from './agent-request';
