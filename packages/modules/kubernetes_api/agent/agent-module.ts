// kubernetes_api as an agentk module: serves MakeRequest through the tunnel against the cluster's API server.
import { Gauge } from 'prom-client';
import type { AgentModule } from '../../modagent/index';
import { registerKubernetesApi } from './register';

export function createKubernetesApiAgentModule(): AgentModule & { readonly name: 'kubernetes_api' } {
  let stopTarget: (() => void) | null = null;
  return {
    name: 'kubernetes_api',
    async start(ctx) {
      // Tests of the tunnel alone run without a cluster.
      if (!ctx.kubeConfig) return;
      const api = await registerKubernetesApi(
        { register: (method, handler) => ctx.registerTunnelHandler(method, handler) },
        { kubeConfig: ctx.kubeConfig, log: ctx.logger.child({ module: 'kubernetes_api' }) },
      );
      stopTarget = () => api.stop();
      new Gauge({
        name: 'mooring_agentk_kubernetes_api_requests_in_flight',
        help: 'Kubernetes API requests being proxied right now',
        registers: [ctx.metrics],
        collect() {
          this.set(api.inFlight());
        },
      });
    },
    async stop() {
      stopTarget?.();
    },
  };
}
