'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';

import { activityLimit, applyActivityEvent, type ActivityFeedEvent, type ActivityRow } from './activity-feed';
import { unwrapTracked, useLiveState } from './live';
import { useTRPC } from './trpc';

export type { ActivityRow } from './activity-feed';

/**
 * An agent's activity feed, newest first, kept current by live.onActivity patching the query cache (no polling).
 * The Activity tab and the Overview's connection timeline share the one cache entry.
 */
export function useAgentActivity(agentId: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const input = { agentId, limit: activityLimit };
  const activity = useQuery(trpc.activity.list.queryOptions(input));
  const sub = useSubscription(
    trpc.live.onActivity.subscriptionOptions(
      { agentId },
      {
        onData: (raw) => {
          const event = unwrapTracked<ActivityFeedEvent>(raw);
          const key = trpc.activity.list.queryKey(input);
          let gap = false;
          queryClient.setQueryData(key, (rows) => {
            if (rows === undefined) return rows;
            const applied = applyActivityEvent(rows as ActivityRow[], event);
            gap = applied.gap;
            return applied.rows as NonNullable<typeof rows>;
          });
          if (gap) void queryClient.invalidateQueries({ queryKey: key });
        },
      },
    ),
  );
  const liveState = useLiveState(sub.status);
  return {
    rows: activity.data as ActivityRow[] | undefined,
    error: activity.error,
    liveState,
    liveError: sub.error,
  };
}
