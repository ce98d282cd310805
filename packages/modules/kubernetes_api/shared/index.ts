export {
  buildAgentsKubeconfig,
  buildProxyKubeconfig,
  type AgentsKubeconfigInput,
  type ProxyKubeconfigInput,
} from './kubeconfig';
export {
  impersonationFor,
  impersonationHeaders,
  accessMode,
  type AccessMode,
  type AuthorizedCaller,
  type AuthorizedCiJob,
  type AuthorizedUser,
  type RoleGrant,
  type StaticImpersonation,
} from './impersonation';
export { kubeStatus, kubeStatusBody, type KubeStatus } from './kube-status';
export { KUBERNETES_API_MAKE_REQUEST } from './methods';
