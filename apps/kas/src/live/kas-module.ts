// The live module: after the agent listener started, builds the console's live source from its ConnectedAgents
// and provides it (and the Kubernetes API proxy's URL and CA, for kubeconfig.forAgent) to the tRPC procedures.
// Activity rows reach live.onActivity as the services publish them after commit (services.events.activityRecorded),
// registry changes reach live.onAgents the same way (agentCreated, agentDeleted): no re-reading of the database.
import type { ConnectedAgents } from '@mooring/modules/agent_registrar/server/index';
import { actorOf } from '../api/actor';
import type { KasModule } from '../module';
import { toAgentView } from '../api/operations/agents';
import type { ActivityEvent as ActivityRow } from '../services/index';
import { connectedAgentsLiveSource } from './connected-agents-source';
import type { ActivityEvent, AgentLiveState, LiveSource } from './live-router';

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
  /** Several replicas share the tunnel tracker (REDIS_URL): the console then also shows their pods. */
  sharedReplicas?: () => boolean;
  minIntervalMs?: number;
}

/** An activity row as the console API speaks it (ISO timestamps). */
export const activityView = (row: ActivityRow): ActivityEvent => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

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
        async visibleAgentIds(caller) {
          const agents = await services.agents.list(actorOf(caller));
          return new Set(agents.map((a) => a.id));
        },
        async recentActivity(caller, agentId, limit) {
          const rows = await services.agentActivity.list(actorOf(caller), agentId, { limit });
          return rows.map(activityView);
        },
        storedLastSeen: (agentIds) => services.agentConnections.lastSeenByAgent(agentIds),
        ...(options.sharedReplicas?.() && {
          // Pods on the other replicas, from the shared connection rows.
          async elsewhere(agentIds: number[]) {
            const rows = await services.agentConnections.connectedElsewhere(agentIds, ctx.replica);
            const byAgent = new Map<number, AgentLiveState['connections']>();
            for (const row of rows) {
              const list = byAgent.get(row.agentId) ?? [];
              list.push({
                podId: row.id,
                podName: row.podName,
                podNamespace: row.podNamespace,
                agentVersion: row.agentVersion || 'unknown',
                kubernetesVersion: row.kubernetesVersion || null,
                kasReplica: row.kasReplica,
                connectedAt: row.connectedAt.toISOString(),
                lastSeenAt: row.lastSeenAt.toISOString(),
                configVersion: row.configVersion,
                streams: { active: 0, idle: 0, limit: options.streamLimit(row.agentId) },
              });
              byAgent.set(row.agentId, list);
            }
            return byAgent;
          },
        }),
      });
      stops.push(() => source.stop());
      stops.push(
        services.events.activityRecorded.subscribe((row) => {
          source.activity.publish(row.agentId, activityView(row));
          // A pod came or went, maybe on another replica (events cross replicas with REDIS_URL).
          if (row.kind === 'agent_connected' || row.kind === 'agent_disconnected')
            source.refresh(row.agentId);
        }),
      );
      stops.push(
        services.events.agentCreated.subscribe(({ agent }) => {
          // The view names the creator (one users query); the row is committed, so the read sees it.
          toAgentView(services, agent).then(
            (view) => source.registryChanged({ registry: 'created', agent: view }),
            (error: unknown) =>
              ctx.logger.warn({ err: error, agentId: agent.id }, 'live: agent created event not sent'),
          );
        }),
        services.events.agentDeleted.subscribe(({ agentId }) =>
          source.registryChanged({ registry: 'deleted', agentId }),
        ),
      );
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
