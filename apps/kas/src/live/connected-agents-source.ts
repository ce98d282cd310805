// Adapts agent_registrar's ConnectedAgents (the pods connected to this kas, their tunnels and versions) to the
// LiveSource that createLiveRouter serves. kas wires it where it owns both the registrar and its services:
//     live: createLiveRouter(connectedAgentsLiveSource({ connected, visibleAgentIds, storedLastSeen, streamLimit }))
import type { ConnectedAgents, ConnectedPod } from '@mooring/modules/agent_registrar/server/index';

import type { AuthenticatedContext } from '../api/operation';
import { LiveFeed } from './live-feed';
import type { ActivityEvent, AgentLiveState, LiveSource } from './live-router';

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
}

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

export function connectedAgentsLiveSource(
  options: ConnectedAgentsSourceOptions,
): LiveSource & { stop(): void } {
  const { connected } = options;
  const limitOf = (agentId: number) =>
    typeof options.streamLimit === 'function' ? options.streamLimit(agentId) : options.streamLimit;
  const agents = new LiveFeed<AgentLiveState>({ minIntervalMs: options.minIntervalMs ?? 1_000 });
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
    };
  };

  const unsubscribe = connected.onChange((agentId) => agents.publish(agentId, stateOf(agentId, undefined)));

  return {
    agents,
    activity,
    visibleAgentIds: options.visibleAgentIds,
    recentActivity: options.recentActivity,
    async states(agentIds) {
      const stored = (await options.storedLastSeen?.(agentIds)) ?? new Map<number, Date>();
      return agentIds.map((id) => stateOf(id, stored.get(id)));
    },
    stop() {
      unsubscribe();
      agents.stop();
      activity.stop();
    },
  };
}
