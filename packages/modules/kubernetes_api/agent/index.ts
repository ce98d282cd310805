export { makeRequestHandler, type MakeRequestHandlerOptions, type ProxyLogger } from './make-request-handler';
export { kubeApiTargetFromKubeConfig, type KubeApiTarget } from './kube-api-target';
export { KUBERNETES_API_MAKE_REQUEST } from '../../reverse_tunnel/shared/tunnel-api';
export { registerKubernetesApi, type HandlerRegistrar, type KubernetesApiAgentModule } from './register';
