'use client';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import { activityLimit } from '../../lib/activity-feed';
import { useTRPC } from '../../lib/trpc';
import type { AgentTabId } from './agent-tabs';

type TRPC = ReturnType<typeof useTRPC>;

/** What each tab reads: the same query keys the tabs' own useQuery calls use. */
const tabQueries: Record<AgentTabId, (qc: QueryClient, trpc: TRPC, agentId: number) => void> = {
  overview: (qc, trpc, agentId) =>
    void qc.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit })),
  activity: (qc, trpc, agentId) =>
    void qc.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit })),
  tokens: (qc, trpc, agentId) => {
    void qc.prefetchQuery(trpc.agentTokens.list.queryOptions({ agentId }));
    void qc.prefetchQuery(trpc.meta.agentInstall.queryOptions({}));
  },
  configuration: (qc, trpc, agentId) => {
    void qc.prefetchQuery(trpc.agentConfigs.get.queryOptions({ agentId }));
    void qc.prefetchQuery(trpc.agentConfigs.history.queryOptions({ agentId }));
  },
  access: (qc, trpc, agentId) => void qc.prefetchQuery(trpc.agentConfigs.get.queryOptions({ agentId })),
  receptive: (qc, trpc, agentId) => void qc.prefetchQuery(trpc.receptive.get.queryOptions({ agentId })),
  connect: (qc, trpc, agentId) => {
    void qc.prefetchQuery(trpc.meta.agentInstall.queryOptions({}));
    void qc.prefetchQuery(trpc.activity.list.queryOptions({ agentId, limit: activityLimit }));
  },
};

/**
 * The open tab's data is asked for beside agents.get, not after it (the page renders the tab only once the agent
 * is known, so the tab's own query would start a round trip later). Every other tab's data follows once the agent
 * arrived — after, so the header's request stays small — and a tab switch then paints from the cache at once,
 * network or not. Queries already cached are left alone.
 */
export function usePrefetchAgentTabs(agentId: number, openTab: AgentTabId, agentLoaded: boolean): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useEffect(() => {
    tabQueries[openTab](queryClient, trpc, agentId);
  }, [agentId, openTab, queryClient, trpc]);
  useEffect(() => {
    if (!agentLoaded) return;
    for (const prefetch of Object.values(tabQueries)) prefetch(queryClient, trpc, agentId);
  }, [agentId, agentLoaded, queryClient, trpc]);
}
