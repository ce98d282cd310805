// The console's live procedures (live.agents, live.onAgents, live.onActivity) and kubeconfig.forAgent, mounted in
// kas's appRouter (trpc/router.ts). The source is resolved per call: the live module (kas-module.ts) provides it
// once the agent listener started (connected-agents-source.ts over agent_registrar's ConnectedAgents).
//
// Live data rules: subscriptions (live-subscriptions.ts) yield `tracked(eventId, data)` so a reconnecting
// EventSource resumes after `lastEventId`; at most one update per agent per second (LiveFeed); trpc/init.ts sets
// the SSE ping (10 s) and the client's reconnect-after-inactivity (20 s). Every procedure here is authorized like
// an operation (callerAuthorization: signed in, PAT scope read_api or api).
import { z } from 'zod';

import { authenticatedContextOf } from '../trpc/context';
import { callerAuthorization } from '../trpc/from-operations';
import { subscriptionProceduresFor } from '../trpc/from-subscriptions';
import type { TrpcContext } from '../trpc/init';
import { t } from '../trpc/init';
import { agentLiveState, id } from './live-schemas';
import { liveSubscriptions, type LiveSourceRef } from './live-subscriptions';

export * from './live-schemas';
export type { LiveSourceRef } from './live-subscriptions';

/** A tRPC-only query, authorized like an operation of that name. */
const query = (name: string) =>
  t.procedure.use(callerAuthorization({ name, type: 'query', access: 'authenticated' }));

export function createLiveRouter(ref: LiveSourceRef) {
  const sourceOf = (ctx: TrpcContext) => (typeof ref === 'function' ? ref(ctx) : ref);
  return t.router({
    /** Connection state of every agent the caller may see. */
    agents: query('live.agents')
      .input(z.strictObject({}))
      .output(z.array(agentLiveState))
      .query(async ({ ctx }) => {
        const source = sourceOf(ctx);
        return source.states([...(await source.visibleAgentIds(authenticatedContextOf(ctx)))]);
      }),
    ...subscriptionProceduresFor(liveSubscriptions(ref)),
  });
}

/** kas builds the kubeconfig (kubernetes_api's builder: proxy URL, CA embedded, a PAT or session credential). */
export function createKubeconfigRouter(
  build: (ctx: TrpcContext, agentId: number) => Promise<{ filename: string; yaml: string }>,
) {
  return t.router({
    /** A kubeconfig for the Kubernetes API proxy that reaches this agent as the caller. */
    forAgent: query('kubeconfig.forAgent')
      .input(z.strictObject({ agentId: id }))
      .output(z.object({ filename: z.string(), yaml: z.string() }))
      .query(({ ctx, input }) => build(ctx, input.agentId)),
  });
}

export type LiveRouter = ReturnType<typeof createLiveRouter>;
export type KubeconfigRouter = ReturnType<typeof createKubeconfigRouter>;
