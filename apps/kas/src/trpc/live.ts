// Mounts the console's live procedures and kubeconfig.forAgent (apps/kas/src/live) in the appRouter, reading
// their data from what the live module provided at start.
import { buildProxyKubeconfig } from '@mooring/modules/kubernetes_api/shared/kubeconfig';
import { actorOf } from '../api/actor';
import { ApiError } from '../api/errors';
import { KUBERNETES_API_PROXY, LIVE_SOURCE, type ProxyEndpoint } from '../live/kas-module';
import { createKubeconfigRouter, createLiveRouter, type LiveSource } from '../live/live-router';
import { authenticatedContextOf } from './context';
import { toTrpcError, type TrpcContext } from './init';
import type { Provided } from '../provided';

export function liveSourceOf(ctx: { provided: Provided }): LiveSource {
  const source = ctx.provided.get<LiveSource>(LIVE_SOURCE);
  if (!source)
    throw toTrpcError(
      new ApiError(
        503,
        'unavailable',
        'live connection state is not available: kas runs without the agent listener (reverse_tunnel, agent_registrar and live modules); start kas with its default modules',
      ),
    );
  return source;
}

/** What a console user pastes after downloading; a PAT is shown once at creation, so kas cannot fill it in. */
export const PAT_PLACEHOLDER = 'REPLACE_WITH_A_PERSONAL_ACCESS_TOKEN_WITH_SCOPE_k8s_proxy';

async function kubeconfigFor(ctx: TrpcContext, agentId: number) {
  // Answers 404/403 like agents.get for an agent the caller may not see.
  const agent = await ctx.services.agents.get(actorOf(authenticatedContextOf(ctx)), agentId);
  const proxy = ctx.provided.get<{ get(): ProxyEndpoint | null }>(KUBERNETES_API_PROXY)?.get();
  if (!proxy)
    throw toTrpcError(
      new ApiError(
        503,
        'unavailable',
        'this kas runs without the Kubernetes API proxy (kubernetes_api module), so there is no kubeconfig to download; start kas with its default modules',
      ),
    );
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.req.headers.authorization ?? '')?.[1];
  const yaml = buildProxyKubeconfig({
    proxyUrl: proxy.url,
    caPem: proxy.caPem,
    agentId,
    token: bearer ?? PAT_PLACEHOLDER,
    context: `agent:${agent.name}`,
  });
  return { filename: `mooring-agent-${agentId}.kubeconfig`, yaml };
}

export const liveRouter = createLiveRouter(liveSourceOf);
export const kubeconfigRouter = createKubeconfigRouter(async (ctx, agentId) => {
  try {
    return await kubeconfigFor(ctx, agentId);
  } catch (err) {
    throw err instanceof ApiError ? toTrpcError(err) : err;
  }
});
