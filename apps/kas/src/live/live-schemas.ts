// What the console's live procedures answer (live-router.ts, live-subscriptions.ts), and the source kas plugs in.
import { z } from 'zod';
import type { AuthenticatedContext } from '../api/operation';
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
});
export type AgentLiveState = z.infer<typeof agentLiveState>;

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
  /** Fed with `publish(agentId, state)` on every connect, disconnect, stream-count or version change. */
  agents: LiveFeed<AgentLiveState>;
  /** Fed with `publish(agentId, row)` after each activity row is committed. */
  activity: LiveFeed<ActivityEvent>;
}
