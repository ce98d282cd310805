import { createKubernetesApiProxyModule } from '@mooring/modules/kubernetes_api/server/kas-module';
import { createAgentApiKasModule } from '@mooring/modules/reverse_tunnel/server/kas-module';
import type { KasModule } from './module';

/**
 * The modules kas runs, in start order. This list is the composition root's one extension point:
 * to add a capability, append its server-half factory here. See module.ts for the contract.
 * The agent listener (8150: tunnels, registrar, configuration) comes first because the Kubernetes API
 * proxy (8154) calls agents through its dialer.
 */
export function defaultModules(): KasModule[] {
  const agentApi = createAgentApiKasModule();
  const kubernetesApi = createKubernetesApiProxyModule({ dialer: () => agentApi.dialer() });
  return [agentApi, kubernetesApi];
}
