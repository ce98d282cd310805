// The live module: after the agent listener started, builds the console's live source from its ConnectedAgents
// and provides it (and the Kubernetes API proxy's URL and CA, for kubeconfig.forAgent) to the tRPC procedures.
import type { ConnectedAgents } from '@mooring/modules/agent_registrar/server/index';
import { actorOf } from '../api/actor';
import type { KasModule } from '../module';
import type { TrpcContext } from '../trpc/init';
import { authenticatedContextOf } from '../trpc/context';
import { createActivityPublisher } from './activity-publisher';
import { connectedAgentsLiveSource } from './connected-agents-source';
import type { LiveSource } from './live-router';

export const LIVE_SOURCE = 'live';
export const KUBERNETES_API_PROXY = 'kubernetesApiProxy';

export interface ProxyEndpoint {
  /** e.g. https://127.0.0.1:8154/k8s-proxy */
  url: string;
  /** null: the proxy serves a certificate from the system roots (MOORING_PROXY_TLS_CERT_FILE without _CA_FILE). */
  caPem: string | null;
}

export interface LiveModuleOptions {
  connectedAgents: () => ConnectedAgents;
  /** The tunnel's stream limit for an agent (the dialer's streamCounts(agentId).limit). */
  streamLimit: (agentId: number) => number;
  /** The running proxy, when kas runs one. */
  proxy?: () => ProxyEndpoint | null;
  minIntervalMs?: number;
}

export function createLiveKasModule(options: LiveModuleOptions): KasModule {
  const stops: (() => void)[] = [];
  return {
    name: 'live',
    async start(ctx) {
      const { services } = ctx;
      const connected = options.connectedAgents();
      const source = connectedAgentsLiveSource({
        connected,
        streamLimit: options.streamLimit,
        minIntervalMs: options.minIntervalMs,
        // The same visibility as agents.list (Developer or above on the project; admins see every agent).
        async visibleAgentIds(trpc: TrpcContext) {
          const agents = await services.agents.list(actorOf(authenticatedContextOf(trpc)));
          return new Set(agents.map((a) => a.id));
        },
        storedLastSeen: (agentIds) => services.agentConnections.lastSeenByAgent(agentIds),
      });
      stops.push(() => source.stop());
      const activity = createActivityPublisher({
        services,
        feed: source.activity,
        onError: (err) => ctx.logger.warn({ err }, 'publishing activity to live subscribers failed'),
      });
      stops.push(() => activity.stop());
      stops.push(connected.onChange((agentId) => activity.changed(agentId)));
      const events = services.events;
      stops.push(events.tokenRevoked.subscribe(({ agentId }) => activity.changed(agentId)));
      stops.push(events.configChanged.subscribe(({ agentId }) => activity.changed(agentId)));
      ctx.provide(LIVE_SOURCE, source satisfies LiveSource);
      if (options.proxy) {
        const proxy = options.proxy;
        ctx.provide(KUBERNETES_API_PROXY, { get: () => proxy() });
      }
    },
    async stop() {
      for (const stop of stops.splice(0).reverse()) stop();
    },
  };
}
