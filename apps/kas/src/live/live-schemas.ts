// What the console's live procedures answer (live-router.ts, live-subscriptions.ts), and the source kas plugs in.
import { z } from 'zod';
import type { AuthenticatedContext } from '../api/operation';
import { agentView } from '../api/operations/agents';
import type { LiveFeed } from './live-feed';

/** An agent or row id. */
export const id = z.number().int().positive();
const iso = z.string();

export const podConnection = z.object({
  podId: z.number(),
  podName: z.string(),
  podNamespace: z.string(),
  agentVersion: z.string(),
  /** gitVersion of the cluster as agentk reports it, e.g. v1.36.3; null until the first Register. */
  kubernetesVersion: z.string().nullable(),
  kasReplica: z.string(),
  connectedAt: iso,
  lastSeenAt: iso,
  /** Config version this pod applied last; null before any. */
  configVersion: z.number().nullable(),
  streams: z.object({ active: z.number(), idle: z.number(), limit: z.number() }),
});

export const agentLiveState = z.object({
  agentId: id,
  /** Connected pods now; empty = not connected. */
  connections: z.array(podConnection),
  /** Newest last_seen over all pods ever (agent_connections table); null = never connected. */
  lastSeenAt: iso.nullable(),
  /** Why it is not connected, when kas knows ("token ci-deploy revoked 3 min ago", "no tunnel for 5 s"). */
  disconnectReason: z.string().nullable(),
  /** Active streams over the last hour on this kas, one peak per minute (stream-samples.ts). */
  samples: z.object({
    intervalMs: z.number(),
    /** Start of the first sample's minute; the last sample is the current minute. */
    from: iso,
    /** Samples start when kas started: kas keeps them in memory only. */
    kasStartedAt: iso,
    /** At most 60, oldest first. */
    values: z.array(z.number()),
  }),
});
export type AgentLiveState = z.infer<typeof agentLiveState>;

/**
 * A change of the registry on live.onAgents: an agent registered (with its agents.list row), or deleted; agents
 * have no rename. `resync` starts every snapshot: the client re-reads agents.list, as it may have missed changes.
 */
export const agentRegistryEvent = z.discriminatedUnion('registry', [
  z.object({ registry: z.literal('created'), agent: agentView }),
  z.object({ registry: z.literal('deleted'), agentId: id }),
  z.object({ registry: z.literal('resync') }),
]);
export type AgentRegistryEvent = z.infer<typeof agentRegistryEvent>;

/** One live.onAgents event: an agent's connection state, or a registry change. */
export const agentsFeedEvent = z.union([agentLiveState, agentRegistryEvent]);
export type AgentsFeedEvent = z.infer<typeof agentsFeedEvent>;
/** What the agents feed carries (the resync marker is the subscription's own, never published). */
export type AgentsFeedValue = AgentLiveState | Exclude<AgentRegistryEvent, { registry: 'resync' }>;

export const isRegistryEvent = (e: AgentsFeedEvent): e is AgentRegistryEvent => 'registry' in e;

export const activityEvent = z.object({
  id,
  agentId: id,
  kind: z.string(),
  actorId: id.nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: iso,
});
export type ActivityEvent = z.infer<typeof activityEvent>;

/** Newest rows, sent first and whenever the consumer fell behind: the client replaces what it may have missed. */
export const activityReset = z.object({
  reset: z.literal(true),
  /** Newest first, at most ACTIVITY_RESET_ROWS. */
  rows: z.array(activityEvent),
});
export type ActivityReset = z.infer<typeof activityReset>;
export const ACTIVITY_RESET_ROWS = 50;

/** One live.onActivity event: a new row, or a reset with the newest rows. */
export const activityFeedEvent = z.union([activityEvent, activityReset]);
export type ActivityFeedEvent = z.infer<typeof activityFeedEvent>;

/** What kas plugs in. Visibility uses the same rules as agents.list (Developer or above, admins everything). */
export interface LiveSource {
  visibleAgentIds(ctx: AuthenticatedContext): Promise<Set<number>>;
  /** Current state of each given agent. */
  states(agentIds: number[]): Promise<AgentLiveState[]>;
  /** The agent's newest activity rows, newest first (authorized for the caller like activity.list). */
  recentActivity(ctx: AuthenticatedContext, agentId: number, limit: number): Promise<ActivityEvent[]>;
  /**
   * Fed with `publish(agentId, state)` on every connect, disconnect, stream-count or version change, and with
   * `publishNow(agentId, registryEvent)` when an agent is registered or deleted.
   */
  agents: LiveFeed<AgentsFeedValue>;
  /** Fed with `publish(agentId, row)` after each activity row is committed. */
  activity: LiveFeed<ActivityEvent>;
}
