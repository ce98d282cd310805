'use client';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';

import { activityLimit } from '../../lib/activity-feed';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { agentTabReads, type AgentTabId, type AgentTabRead } from './agent-tab-reads';
import { preloadLazyTabs } from './lazy-tabs';

/** One query a tab reads: the key its own useQuery uses, and the call that answers it. */
interface TabQuery {
  queryKey: QueryKey;
  load: () => Promise<unknown>;
}

function tabQueries(
  trpc: ReturnType<typeof useTRPC>,
  client: ReturnType<typeof useTRPCClient>,
  agentId: number,
): Record<AgentTabId, TabQuery[]> {
  const byRead = tabQueryByRead(trpc, client, agentId);
  return Object.fromEntries(
    Object.entries(agentTabReads).map(([tab, reads]) => [tab, reads.map((read) => byRead[read])]),
  ) as Record<AgentTabId, TabQuery[]>;
}

function tabQueryByRead(
  trpc: ReturnType<typeof useTRPC>,
  client: ReturnType<typeof useTRPCClient>,
  agentId: number,
): Record<AgentTabRead, TabQuery> {
  const activityInput = { agentId, limit: activityLimit };
  const activity = {
    queryKey: trpc.activity.list.queryKey(activityInput),
    load: () => client.activity.list.query(activityInput),
  };
  const tokens = {
    queryKey: trpc.agentTokens.list.queryKey({ agentId }),
    load: () => client.agentTokens.list.query({ agentId }),
  };
  const install = {
    queryKey: trpc.meta.agentInstall.queryKey({}),
    load: () => client.meta.agentInstall.query({}),
  };
  const config = {
    queryKey: trpc.agentConfigs.get.queryKey({ agentId }),
    load: () => client.agentConfigs.get.query({ agentId }),
  };
  const configHistory = {
    queryKey: trpc.agentConfigs.history.queryKey({ agentId }),
    load: () => client.agentConfigs.history.query({ agentId }),
  };
  const receptive = {
    queryKey: trpc.receptive.get.queryKey({ agentId }),
    load: () => client.receptive.get.query({ agentId }),
  };
  return { activity, tokens, install, config, configHistory, receptive };
}

/**
 * The agent page's tab data, ahead of the tabs:
 * - the open tab's queries start beside agents.get, not after it (the page renders the tab only once the agent is
 *   known, so the tab's own query would start one round trip later);
 * - every other tab's follow once the agent arrived (after, so the header's request stays small), so a switch
 *   paints from the cache at once, network or not (the lazy tabs' scripts load then too, lazy-tabs.tsx);
 * - a switch then asks for the tab's data again in the background: the cache may be minutes old, and a session
 *   that ended meanwhile goes to login (watchConnectionLink) as it did when a switch loaded the page. A failed
 *   refresh leaves the cached data on screen (the connection monitor reports an outage).
 */
export function usePrefetchAgentTabs(agentId: number, openTab: AgentTabId, agentLoaded: boolean): void {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const shownTab = useRef(openTab);
  useEffect(() => {
    const queries = tabQueries(trpc, client, agentId);
    if (shownTab.current === openTab) {
      for (const q of queries[openTab])
        void queryClient.prefetchQuery({ queryKey: q.queryKey, queryFn: q.load });
      return;
    }
    shownTab.current = openTab;
    for (const q of queries[openTab]) {
      q.load().then(
        (data) => queryClient.setQueryData(q.queryKey, data),
        () => undefined,
      );
    }
  }, [agentId, openTab, client, queryClient, trpc]);
  useEffect(() => {
    if (!agentLoaded) return;
    preloadLazyTabs();
    for (const q of Object.values(tabQueries(trpc, client, agentId)).flat()) {
      void queryClient.prefetchQuery({ queryKey: q.queryKey, queryFn: q.load });
    }
  }, [agentId, agentLoaded, client, queryClient, trpc]);
}
