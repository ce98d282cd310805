import { createKubernetesApiProxyModule } from '@mooring/modules/kubernetes_api/server/kas-module';
import { createAgentApiKasModule } from '@mooring/modules/reverse_tunnel/server/kas-module';
import { agentListenerSettings } from '@mooring/modules/reverse_tunnel/server/settings';
import { createLiveKasModule } from './live/kas-module';
import type { KasModule } from './module';

/**
 * The modules kas runs, in start order. This list is the composition root's one extension point:
 * to add a capability, append its server-half factory here. See module.ts for the contract.
 * The agent listener (8150: tunnels, registrar, configuration) comes first because the Kubernetes API
 * proxy (8154) calls agents through its dialer; the live module (console subscriptions) reads both.
 */
export function defaultModules(): KasModule[] {
  // Its settings join kas's table here until the module carries them itself (reverse_tunnel/server/settings.ts).
  const agentApi = Object.assign(createAgentApiKasModule(), { settings: agentListenerSettings });
  const kubernetesApi = createKubernetesApiProxyModule({ dialer: () => agentApi.dialer() });
  // Needs the agent listener's ConnectedAgents; provides the console's live source (and the proxy for kubeconfigs).
  const live = createLiveKasModule({
    connectedAgents: () => agentApi.connectedAgents(),
    streamLimit: (agentId) => agentApi.dialer().streamCounts(agentId).limit,
    proxy: () => kubernetesApi.proxy(),
  });
  return [agentApi, kubernetesApi, live];
}
