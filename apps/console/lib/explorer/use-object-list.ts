'use client';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useMemo, useSyncExternalStore } from 'react';

import { errorMessage } from '../errors';
import { unwrapTracked, useLiveState } from '../live';
import { useTRPC } from '../trpc';
import { ObjectListStore, type ObjectListEvent, type ObjectListState } from './object-list-store';

export interface ObjectListQuery {
  agentId: number;
  /** `pods`, `apps/v1/deployments`, `<group>/<version>/<resource>` (never secrets). */
  resource: string;
  /** Absent: every namespace the viewer may see. */
  namespace?: string;
  labelSelector?: string;
  /** false: no subscription (e.g. the drawer is closed). */
  enabled?: boolean;
}

const serverState: ObjectListState = { rows: [], version: 0, ready: false, health: null, access: null };

/**
 * One resource's rows, live (objects.watch): a snapshot, then deltas patched in place by uid. Events arriving
 * together are applied in one animation frame, so a burst of changes repaints once. The subscription resumes from
 * its last event id after a drop (tRPC's SSE link), and kas answers with only the differences.
 */
export function useObjectList(query: ObjectListQuery) {
  const trpc = useTRPC();
  const { agentId, resource, namespace, labelSelector, enabled = true } = query;
  // A new store per watch: rows of another namespace or resource never linger in the list.
  const store = useMemo(() => new ObjectListStore(), [agentId, resource, namespace, labelSelector]);
  const queue = useMemo(() => ({ events: [] as ObjectListEvent[], frame: 0 }), [store]);
  useEffect(
    () => () => {
      if (queue.frame) cancelAnimationFrame(queue.frame);
    },
    [queue],
  );
  const subscription = useSubscription(
    trpc.objects.watch.subscriptionOptions(
      {
        agentId,
        resource,
        ...(namespace ? { namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      },
      {
        enabled,
        onData: (raw) => {
          queue.events.push(unwrapTracked<ObjectListEvent>(raw));
          if (queue.frame) return;
          queue.frame = requestAnimationFrame(() => {
            queue.frame = 0;
            const events = queue.events.splice(0);
            store.apply(events);
          });
        },
      },
    ),
  );
  const state = useSyncExternalStore(store.subscribe, store.current, () => serverState);
  return {
    ...state,
    store,
    liveState: useLiveState(subscription.status),
    /** Why the stream failed (kas's message names the fix), or null. */
    error: subscription.error ? errorMessage(subscription.error) : null,
  };
}
