'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';

import { unwrapTracked, useLiveState } from './live';
import { useTRPC } from './trpc';

export interface ActivityRow {
  id: number;
  kind: string;
  actorId: number | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** kas keeps the newest 200 entries per agent; ask for all of them so the 24 h timeline sees every transition. */
const activityLimit = 200;

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
          const entry = unwrapTracked<ActivityRow>(raw);
          queryClient.setQueryData(trpc.activity.list.queryKey(input), (rows) =>
            rows?.some((r) => r.id === entry.id)
              ? rows
              : [entry as NonNullable<typeof rows>[number], ...(rows ?? [])],
          );
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
