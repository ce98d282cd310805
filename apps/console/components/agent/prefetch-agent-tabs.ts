'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { activityLimit } from '../../lib/activity-feed';
import { useTRPC } from '../../lib/trpc';

/**
 * Once the agent page shows, fetches what every other tab reads (the same query keys the tabs use), so a tab
 * switch paints from the cache at once, and still does while the network is gone. Queries already cached (or
 * loading) are left alone.
 */
export function usePrefetchAgentTabs(agentId: number, enabled: boolean): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    void queryClient.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit }));
    void queryClient.prefetchQuery(trpc.agentTokens.list.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.meta.agentInstall.queryOptions({}));
    void queryClient.prefetchQuery(trpc.agentConfigs.get.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.agentConfigs.history.queryOptions({ agentId }));
    void queryClient.prefetchQuery(trpc.receptive.get.queryOptions({ agentId }));
  }, [agentId, enabled, queryClient, trpc]);
}
