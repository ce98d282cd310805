import { createAgentConfigurationKasModule } from '@mooring/modules/agent_configuration/server/index';
import { createAgentRegistrarKasModule } from '@mooring/modules/agent_registrar/server/index';
import { createKasRoutingKasModule } from '@mooring/modules/kas_routing/server/index';
import { createKubernetesApiProxyModule } from '@mooring/modules/kubernetes_api/server/index';
import { createObjectWatchKasModule } from '@mooring/modules/object_watch/server/index';
import { createReceptiveKasModule } from '@mooring/modules/receptive/server/index';
import { type AgentDialer, createReverseTunnelKasModule } from '@mooring/modules/reverse_tunnel/server/index';
import { createLiveKasModule } from './live/kas-module';
import type { KasModule } from './module';

/**
 * The modules kas runs, in start order (they stop in reverse). This list is the composition root's one extension
 * point: to add a capability, append its server-half factory here (see module.ts for the contract; modules agentk
 * calls register their gRPC services on the shared agent server, ctx.agentServer). A module that needs another's
 * running parts gets them through its factory options, as functions called at start.
 */
/** What a module factory may use of the modules before it: functions, callable once those started. */
export interface KasModuleDeps {
  /** Calls agents through the reverse tunnel. */
  dialer(): AgentDialer;
}

export type KasModuleFactory = (deps: KasModuleDeps) => KasModule;

export function defaultModules(options: { extra?: readonly KasModuleFactory[] } = {}): KasModule[] {
  const reverseTunnel = createReverseTunnelKasModule();
  // With REDIS_URL: a call for an agent whose tunnels another replica holds is routed there (the private API).
  const kasRouting = createKasRoutingKasModule({
    tunnelDialer: () => reverseTunnel.tunnels().dialer,
    tracker: () => reverseTunnel.tracker(),
    holdings: () => reverseTunnel.tunnels().registry.totals(),
  });
  const dialer = () => kasRouting.dialer();
  // Connected pods: from Register heartbeats, configuration streams and the tunnel's pod counts.
  const agentRegistrar = createAgentRegistrarKasModule({
    podTunnels: () => reverseTunnel.tunnels().onPodTunnelsChanged,
    // With REDIS_URL: pods of replicas that stopped heartbeating are marked disconnected by the live ones.
    replicas: () => {
      const tracker = reverseTunnel.tracker();
      return tracker.shared ? { live: () => tracker.liveReplicas(), expireAfterMs: tracker.ttlMs } : null;
    },
  });
  const agentConfiguration = createAgentConfigurationKasModule({
    pods: () => agentRegistrar.connectedAgents(),
  });
  const kubernetesApi = createKubernetesApiProxyModule({ dialer });
  // Live cluster objects: one upstream watch per resource and selectors, fanned out to the console's viewers.
  const objectWatch = createObjectWatchKasModule({ dialer });
  // Provides the console's live source (connected pods, stream limits) and the proxy for kubeconfigs.
  const live = createLiveKasModule({
    connectedAgents: () => agentRegistrar.connectedAgents(),
    streamLimit: (agentId) => reverseTunnel.dialer().streamCounts(agentId).limit,
    proxy: () => kubernetesApi.endpoint(),
    sharedReplicas: () => reverseTunnel.tracker().shared,
  });
  const deps: KasModuleDeps = { dialer };
  return [
    reverseTunnel,
    kasRouting,
    agentRegistrar,
    agentConfiguration,
    kubernetesApi,
    objectWatch,
    live,
    // Dials receptive agents (kas → agentk) and hands the connections to the agent server.
    createReceptiveKasModule(),
    // Capabilities under test (the fixture-module test) are appended the same way.
    ...(options.extra ?? []).map((factory) => factory(deps)),
  ];
}
