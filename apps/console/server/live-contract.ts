// PROPOSAL for kas: the procedures the console needs that kas's router (apps/kas/src/trpc/router.ts) does not
// have yet. Built with kas's own `t` so that mounting it is one line in kas's router:
//     live: liveRouterProposal,  kubeconfig: kubeconfigRouterProposal,
// with real resolvers in place of `notServedYet`. The console's client type is kas's AppRouter plus these
// (see lib/app-router.ts); until kas serves them, the console says so on screen instead of showing stale data.
//
// Live data rules (issue 6): subscriptions yield `tracked(eventId, data)` so a reconnecting EventSource resumes
// after `lastEventId`; kas's initTRPC should set
//     sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 20_000 } }
// and emit at most one update per agent per second. Sources: agent_registrar's ConnectedAgents (pods, tunnel
// counts idle/active, kas replica, last seen) plus the tunnel's per-pod stream limit, and the activity table.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';

import { t } from '../../kas/src/trpc/init';

const notServedYet = (): never => {
  throw new TRPCError({ code: 'NOT_IMPLEMENTED', message: 'proposal only: not served by kas yet' });
};

const id = z.number().int().positive();
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

export const activityEvent = z.object({
  id,
  agentId: id,
  kind: z.string(),
  actorId: id.nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: iso,
});

export const liveRouterProposal = t.router({
  /** Connection state of every agent the caller may see (same visibility as agents.list). */
  agents: t.procedure.input(z.strictObject({})).output(z.array(agentLiveState)).query(notServedYet),
  /** Every change to those states (connect, disconnect, stream counts, versions), ≤ 1 per agent per second. */
  onAgents: t.procedure
    .input(z.object({ agentId: id.optional(), lastEventId: z.string().nullish() }))
    .subscription(async function* (): AsyncGenerator<z.infer<typeof agentLiveState>> {
      yield notServedYet();
    }),
  /** New rows of activity.list for one agent, as they are written. */
  onActivity: t.procedure
    .input(z.object({ agentId: id, lastEventId: z.string().nullish() }))
    .subscription(async function* (): AsyncGenerator<z.infer<typeof activityEvent>> {
      yield notServedYet();
    }),
});

export const kubeconfigRouterProposal = t.router({
  /** A kubeconfig for the Kubernetes API proxy (CA embedded) that reaches this agent as the caller. */
  forAgent: t.procedure
    .input(z.strictObject({ agentId: id }))
    .output(z.object({ filename: z.string(), yaml: z.string() }))
    .query(notServedYet),
});
