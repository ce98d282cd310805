export { makeRequestHandler, type MakeRequestHandlerOptions, type ProxyLogger } from './make-request-handler';
export { kubeApiTargetFromKubeConfig, type KubeApiTarget } from './kube-api-target';
export { KUBERNETES_API_MAKE_REQUEST } from '../shared/methods';
export { registerKubernetesApi, type HandlerRegistrar, type KubernetesApiAgentModule } from './register';
export { createKubernetesApiAgentModule } from './agent-module';
