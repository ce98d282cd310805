// agentk's composition root calls this to serve the proxy through the tunnel.
import type { KubeConfig } from '@kubernetes/client-node';
import type { TunnelHandler } from '../../reverse_tunnel/shared/tunnel-api';
import { KUBERNETES_API_MAKE_REQUEST } from '../shared/methods';
import { kubeApiTargetFromKubeConfig } from './kube-api-target';
import { makeRequestHandler, type ProxyLogger } from './make-request-handler';

export interface HandlerRegistrar {
  register(fullMethod: string, handler: TunnelHandler): void;
}

export interface KubernetesApiAgentModule {
  readonly name: 'kubernetes_api';
  /** Requests being served right now (agentk's "requests in flight"). */
  inFlight(): number;
  stop(): void;
}

/** Registers KubernetesApi.MakeRequest with agentk's tunnel handler registry. */
export async function registerKubernetesApi(
  registrar: HandlerRegistrar,
  options: { kubeConfig: KubeConfig; log?: ProxyLogger },
): Promise<KubernetesApiAgentModule> {
  const target = await kubeApiTargetFromKubeConfig(options.kubeConfig);
  let inFlight = 0;
  registrar.register(
    KUBERNETES_API_MAKE_REQUEST,
    makeRequestHandler({ target, log: options.log, onActive: (d) => (inFlight += d) }),
  );
  return { name: 'kubernetes_api', inFlight: () => inFlight, stop: () => target.close() };
}
