import { HydrationBoundary } from '@tanstack/react-query';

import { agentTabOf, agentTabReads, type AgentTabRead } from '../../../../components/agent/agent-tab-reads';
import { AgentPage } from '../../../../components/agent/agent-page';
import { activityLimit } from '../../../../lib/activity-feed';
import { agentIdParam } from '../../../../lib/route-params';
import { prefetchForPage } from '../../../../server/prefetch';

// The agent (name, project, allowed actions) and the open tab's data come with the HTML; the live state, the other
// tabs' data and the session follow from the browser as before.
export default async function AgentRoute({
  params,
  searchParams,
}: {
  params: Promise<{ agentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { agentId: raw } = await params;
  const agentId = agentIdParam(raw);
  if (agentId === null) {
    return <p role="alert">“{raw}” is not an agent id; open an agent from the Clusters list.</p>;
  }
  const wanted = (await searchParams).tab;
  const tab = agentTabOf(typeof wanted === 'string' ? wanted : null);
  const state = await prefetchForPage((trpc, queryClient) => {
    const read: Record<AgentTabRead, () => Promise<void>> = {
      activity: () =>
        queryClient.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit })),
      tokens: () => queryClient.prefetchQuery(trpc.agentTokens.list.queryOptions({ agentId })),
      install: () => queryClient.prefetchQuery(trpc.meta.agentInstall.queryOptions({})),
      config: () => queryClient.prefetchQuery(trpc.agentConfigs.get.queryOptions({ agentId })),
      configHistory: () => queryClient.prefetchQuery(trpc.agentConfigs.history.queryOptions({ agentId })),
      receptive: () => queryClient.prefetchQuery(trpc.receptive.get.queryOptions({ agentId })),
    };
    return [
      queryClient.prefetchQuery(trpc.agents.get.queryOptions({ agentId })),
      ...agentTabReads[tab].map((name) => read[name]()),
    ];
  });
  return (
    <HydrationBoundary state={state}>
      <AgentPage agentId={agentId} />
    </HydrationBoundary>
  );
}
