'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { activityLimit } from '../../lib/activity-feed';
import { useTRPC } from '../../lib/trpc';

/**
 * Fetches what every tab reads (the same query keys the tabs use) as the agent page opens, beside agents.get
 * rather than after it: the open tab's content then arrives with the header instead of one round trip later,
 * and a tab switch paints from the cache at once, network or not. Queries already cached are left alone.
 */
export function usePrefetchAgentTabs(agentId: number): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit }));
    void queryClient.prefetchQuery(trpc.agentTokens.list.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.meta.agentInstall.queryOptions({}));
    void queryClient.prefetchQuery(trpc.agentConfigs.get.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.agentConfigs.history.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.receptive.get.queryOptions({ agentId }));
  }, [agentId, queryClient, trpc]);
}
