// Adapts agent_registrar's ConnectedAgents (the pods connected to this kas, their tunnels and versions) to the
// LiveSource that createLiveRouter serves. kas wires it where it owns both the registrar and its services:
//     live: createLiveRouter(connectedAgentsLiveSource({ connected, visibleAgentIds, storedLastSeen, streamLimit }))
// Every change also feeds the stream sampler (the sparkline's last hour); the live module reports registry changes
// (agentCreated, agentDeleted) on the same feed.
import type { ConnectedAgents, ConnectedPod } from '@mooring/modules/agent_registrar/server/index';

import type { AuthenticatedContext } from '../api/operation';
import { LiveFeed } from './live-feed';
import type { ActivityEvent, AgentLiveState, AgentsFeedValue, LiveSource } from './live-router';
import { StreamSampler } from './stream-samples';

export interface ConnectedAgentsSourceOptions {
  connected: ConnectedAgents;
  /** Same visibility as agents.list. */
  visibleAgentIds(ctx: AuthenticatedContext): Promise<Set<number>>;
  /** The agent's newest activity rows (activity.list for the caller). */
  recentActivity: LiveSource['recentActivity'];
  /** Last seen per agent from the agent_connections table, for agents this kas has not seen since it started. */
  storedLastSeen?(agentIds: number[]): Promise<Map<number, Date>>;
  /** Tunnel streams an agent may hold (the tunnel's limit), shown as "limit". */
  streamLimit: number | ((agentId: number) => number);
  /** The activity feed (the live module publishes each committed row); created here when not given. */
  activity?: LiveFeed<ActivityEvent>;
  minIntervalMs?: number;
  /** The active-stream history (tests inject one with their clock). */
  sampler?: StreamSampler;
  /**
   * Several replicas (REDIS_URL): the connected pods of these agents held by the other replicas (from the shared
   * agent_connections rows; a replica that stopped heartbeating has its rows expired). Their stream counts are that
   * replica's business: shown as 0.
   */
  elsewhere?(agentIds: number[]): Promise<Map<number, AgentLiveState['connections']>>;
}

type RegistryChange = Exclude<AgentsFeedValue, AgentLiveState>;

function podView(pod: ConnectedPod, streamLimit: number): AgentLiveState['connections'][number] {
  const version = pod.configVersion === null ? null : Number(pod.configVersion);
  return {
    podId: pod.podId,
    podName: pod.meta?.podName ?? `pod ${pod.podId}`,
    podNamespace: pod.meta?.podNamespace ?? '',
    agentVersion: pod.meta?.agentVersion ?? 'unknown',
    kubernetesVersion: pod.meta?.kubernetesVersion?.gitVersion ?? null,
    kasReplica: pod.kasReplica,
    connectedAt: pod.connectedAt.toISOString(),
    lastSeenAt: pod.lastSeen.toISOString(),
    configVersion: version !== null && Number.isFinite(version) ? version : null,
    streams: { active: pod.tunnels.active, idle: pod.tunnels.idle, limit: streamLimit },
  };
}

export function connectedAgentsLiveSource(options: ConnectedAgentsSourceOptions): LiveSource & {
  /** An agent was registered or deleted: sent at once to the viewers who may see it. */
  registryChanged(change: RegistryChange): void;
  /** Another replica's pods of the agent changed (its activity row arrived): the agent's state is sent again. */
  refresh(agentId: number): void;
  stop(): void;
} {
  const { connected } = options;
  const limitOf = (agentId: number) =>
    typeof options.streamLimit === 'function' ? options.streamLimit(agentId) : options.streamLimit;
  const agents = new LiveFeed<AgentsFeedValue>({ minIntervalMs: options.minIntervalMs ?? 1_000 });
  const sampler = options.sampler ?? new StreamSampler();
  const activity = options.activity ?? new LiveFeed<ActivityEvent>({ minIntervalMs: 0 });

  const stateOf = (agentId: number, stored: Date | undefined): AgentLiveState => {
    const pods = connected.list(agentId);
    const last = connected.lastDisconnect(agentId);
    const seen = connected.lastSeen(agentId) ?? last?.at ?? stored ?? null;
    return {
      agentId,
      connections: pods.map((p) => podView(p, limitOf(agentId))),
      lastSeenAt: seen ? seen.toISOString() : null,
      disconnectReason: pods.length === 0 && last ? last.reason : null,
      samples: sampler.samples(agentId),
    };
  };

  const withElsewhere = (state: AgentLiveState, pods: AgentLiveState['connections'] | undefined) => {
    if (!pods?.length) return state;
    const connections = [...state.connections, ...pods];
    const seen = connections.reduce<string | null>(
      (l, p) => (!l || p.lastSeenAt > l ? p.lastSeenAt : l),
      null,
    );
    return {
      ...state,
      connections,
      lastSeenAt: seen && (!state.lastSeenAt || seen > state.lastSeenAt) ? seen : state.lastSeenAt,
      disconnectReason: null,
    };
  };

  // With other replicas, a state is read (their pods) before it is published; only the newest read of an agent
  // publishes, so a slow read never overwrites a newer state.
  const reads = new Map<number, number>();
  let readSeq = 0;
  const publish = (agentId: number) => {
    const elsewhere = options.elsewhere;
    if (!elsewhere) return agents.publish(agentId, stateOf(agentId, undefined));
    const seq = ++readSeq;
    reads.set(agentId, seq);
    elsewhere([agentId]).then(
      (pods) => {
        if (reads.get(agentId) !== seq) return;
        reads.delete(agentId);
        agents.publish(agentId, withElsewhere(stateOf(agentId, undefined), pods.get(agentId)));
      },
      () => {
        // The database is unreachable: publish what this replica knows.
        if (reads.get(agentId) !== seq) return;
        reads.delete(agentId);
        agents.publish(agentId, stateOf(agentId, undefined));
      },
    );
  };

  const unsubscribe = connected.onChange((agentId) => {
    sampler.record(
      agentId,
      connected.list(agentId).reduce((sum, pod) => sum + pod.tunnels.active, 0),
    );
    publish(agentId);
  });

  return {
    agents,
    activity,
    visibleAgentIds: options.visibleAgentIds,
    recentActivity: options.recentActivity,
    async states(agentIds) {
      const [stored, elsewhere] = await Promise.all([
        options.storedLastSeen?.(agentIds) ?? new Map<number, Date>(),
        options.elsewhere?.(agentIds) ?? new Map<number, AgentLiveState['connections']>(),
      ]);
      return agentIds.map((id) => withElsewhere(stateOf(id, stored.get(id)), elsewhere.get(id)));
    },
    refresh: publish,
    registryChanged(change) {
      if (change.registry === 'deleted') sampler.drop(change.agentId);
      agents.publishNow(change.registry === 'deleted' ? change.agentId : change.agent.id, change);
    },
    stop() {
      unsubscribe();
      agents.stop();
      activity.stop();
    },
  };
}
