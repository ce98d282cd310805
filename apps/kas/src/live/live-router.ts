// The console's live procedures (live.agents, live.onAgents, live.onActivity) and kubeconfig.forAgent, mounted in
// kas's appRouter (trpc/router.ts). The source is resolved per call: the live module (kas-module.ts) provides it
// once the agent listener started (connected-agents-source.ts over agent_registrar's ConnectedAgents).
//
// Live data rules (issue 6): subscriptions yield `tracked(eventId, data)` so a reconnecting EventSource resumes
// after `lastEventId`; at most one update per agent per second (LiveFeed); trpc/init.ts sets the SSE ping (10 s)
// and the client's reconnect-after-inactivity (20 s).
import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';

import { unauthenticated } from '../api/errors';
import type { TrpcContext } from '../trpc/init';
import { t, toTrpcError } from '../trpc/init';
import { untilEither } from '../trpc/event-stream';
import type { LiveFeed } from './live-feed';

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

/** What kas plugs in. Visibility uses the same rules as agents.list (Developer or above, admins everything). */
export interface LiveSource {
  visibleAgentIds(ctx: TrpcContext): Promise<Set<number>>;
  /** Current state of each given agent. */
  states(agentIds: number[]): Promise<AgentLiveState[]>;
  /** Fed with `publish(agentId, state)` on every connect, disconnect, stream-count or version change. */
  agents: LiveFeed<AgentLiveState>;
  /** Fed with `publish(agentId, row)` after each activity row is written. */
  activity: LiveFeed<ActivityEvent>;
}

const signedIn = t.middleware(({ ctx, next }) => {
  if (ctx.state.principal.kind === 'anonymous' || ctx.state.authError) {
    // kas's error formatter keeps the status of an ApiError cause (401 here, not 500).
    throw toTrpcError(
      ctx.state.authError ?? unauthenticated('log in to the console or send a personal access token'),
    );
  }
  return next();
});
const authed = t.procedure.use(signedIn);

function parseEventId(value: string | null | undefined): number | null {
  const n = value == null ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** A fixed source (tests) or one looked up per call (kas: the live module provides it at start). */
export type LiveSourceRef = LiveSource | ((ctx: TrpcContext) => LiveSource);

export function createLiveRouter(ref: LiveSourceRef) {
  const sourceOf = (ctx: TrpcContext): LiveSource => (typeof ref === 'function' ? ref(ctx) : ref);
  return t.router({
    /** Connection state of every agent the caller may see. */
    agents: authed
      .input(z.strictObject({}))
      .output(z.array(agentLiveState))
      .query(async ({ ctx }) => {
        const source = sourceOf(ctx);
        return source.states([...(await source.visibleAgentIds(ctx))]);
      }),

    /** Changes to those states, ≤ 1 per agent per second; resumes after lastEventId. */
    onAgents: authed
      .input(z.object({ agentId: id.optional(), lastEventId: z.string().nullish() }))
      .subscription(async function* ({ ctx, input, signal }) {
        const source = sourceOf(ctx);
        const visible = await source.visibleAgentIds(ctx);
        // One agent asked for: 404 like every other call on an agent the caller cannot see.
        if (input.agentId !== undefined && !visible.has(input.agentId))
          throw new TRPCError({ code: 'NOT_FOUND', message: `agent ${input.agentId} not found` });
        const wanted = (agentId: number) =>
          visible.has(agentId) && (input.agentId === undefined || input.agentId === agentId);
        const stream = source.agents.stream(untilEither(signal, ctx.shutdown));
        const last = parseEventId(input.lastEventId);
        const missed = last === null ? null : source.agents.since(last);
        if (missed) {
          for (const e of missed) if (wanted(e.key)) yield tracked(String(e.id), e.value);
        } else {
          // First connect, or too far behind: a snapshot, tagged with the current id so a resume starts after it.
          const ids =
            input.agentId === undefined ? [...visible] : visible.has(input.agentId) ? [input.agentId] : [];
          const at = String(source.agents.lastId);
          for (const state of await source.states(ids)) yield tracked(at, state);
        }
        for await (const e of stream) if (wanted(e.key)) yield tracked(String(e.id), e.value);
      }),

    /** New activity rows of one agent as they are written. */
    onActivity: authed
      .input(z.object({ agentId: id, lastEventId: z.string().nullish() }))
      .subscription(async function* ({ ctx, input, signal }) {
        const source = sourceOf(ctx);
        if (!(await source.visibleAgentIds(ctx)).has(input.agentId)) {
          throw new TRPCError({ code: 'NOT_FOUND', message: `agent ${input.agentId} not found` });
        }
        const stream = source.activity.stream(untilEither(signal, ctx.shutdown));
        const last = parseEventId(input.lastEventId);
        for (const e of (last === null ? [] : source.activity.since(last)) ?? [])
          if (e.key === input.agentId) yield tracked(String(e.id), e.value);
        for await (const e of stream) if (e.key === input.agentId) yield tracked(String(e.id), e.value);
      }),
  });
}

/** kas builds the kubeconfig (kubernetes_api's builder: proxy URL, CA embedded, a PAT or session credential). */
export function createKubeconfigRouter(
  build: (ctx: TrpcContext, agentId: number) => Promise<{ filename: string; yaml: string }>,
) {
  return t.router({
    /** A kubeconfig for the Kubernetes API proxy that reaches this agent as the caller. */
    forAgent: authed
      .input(z.strictObject({ agentId: id }))
      .output(z.object({ filename: z.string(), yaml: z.string() }))
      .query(({ ctx, input }) => build(ctx, input.agentId)),
  });
}

export type LiveRouter = ReturnType<typeof createLiveRouter>;
export type KubeconfigRouter = ReturnType<typeof createKubeconfigRouter>;
