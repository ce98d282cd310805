'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useMemo, useRef } from 'react';

import type { AppRouter } from './app-router';
import { errorMessage } from './errors';
import { useTRPC } from './trpc';

type Outputs = inferRouterOutputs<AppRouter>;
export type KasAgent = Outputs['agents']['list'][number];
export type AgentLiveState = Outputs['live']['agents'][number];
export type StreamSamples = AgentLiveState['samples'];
export type PodConnection = AgentLiveState['connections'][number];
/**
 * An agent as kas registered it, plus its connection state: null until kas answered live.agents, and also null
 * (with liveError set to kas's message) when kas answered that query with an error.
 */
export type AgentRow = KasAgent & { live: AgentLiveState | null; liveError: string | null };

/** tRPC hands tracked events over as {id, data}; accept both that and the bare event. */
export function unwrapTracked<T>(value: unknown): T {
  if (
    value &&
    typeof value === 'object' &&
    'data' in value &&
    'id' in value &&
    Object.keys(value).length === 2
  ) {
    return (value as { data: T }).data;
  }
  return value as T;
}

type AgentsFeedEvent = Outputs['live']['onAgents'] extends AsyncIterable<{ data: infer E }> ? E : never;
type AgentRegistryEvent = Extract<AgentsFeedEvent, { registry: string }>;

/** A state kas has not reported yet (an agent registered a moment ago): no samples. */
const noSamples: StreamSamples = { intervalMs: 60_000, from: '', kasStartedAt: '', values: [] };

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'error';

/** 'pending' in tRPC's terms means the stream is open and waiting for the next event. */
export function useLiveState(status: 'idle' | 'connecting' | 'pending' | 'error'): LiveState {
  const wasLive = useRef(false);
  if (status === 'pending') wasLive.current = true;
  if (status === 'pending') return 'live';
  if (status === 'error') return 'error';
  return wasLive.current ? 'reconnecting' : 'connecting';
}

/**
 * Agents with their connection state: registrations from agents.list, connection state from live.agents,
 * kept current by the live.onAgents subscription (one event stream) that patches the query caches in place: states
 * into live.agents, registry changes (agent registered or deleted, in any tab) into agents.list. A snapshot's
 * resync marker re-reads agents.list. The sparklines' history is kas's (each state's samples).
 */
export function useLiveAgents(agentId?: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const agents = useQuery(trpc.agents.list.queryOptions({}));
  // Rows first, connection state right after: asking for both at once makes the list wait on kas's slower
  // connection lookup, and the list alone is enough to paint the table.
  const liveStates = useQuery({
    ...trpc.live.agents.queryOptions({}),
    retry: false,
    enabled: agents.data !== undefined,
  });

  const applyRegistryChange = (event: AgentRegistryEvent) => {
    const listKey = trpc.agents.list.queryKey({});
    if (event.registry === 'resync') {
      void queryClient.invalidateQueries({ queryKey: listKey });
    } else if (event.registry === 'created') {
      queryClient.setQueryData(listKey, (rows) =>
        rows && !rows.some((r) => r.id === event.agent.id)
          ? [...rows, event.agent].sort(
              (a, b) => a.projectPath.localeCompare(b.projectPath) || a.name.localeCompare(b.name),
            )
          : rows,
      );
    } else {
      queryClient.setQueryData(listKey, (rows) => rows?.filter((r) => r.id !== event.agentId));
      queryClient.setQueryData(trpc.live.agents.queryKey({}), (rows) =>
        rows?.filter((r) => r.agentId !== event.agentId),
      );
    }
  };

  const subscription = useSubscription(
    trpc.live.onAgents.subscriptionOptions(agentId ? { agentId } : {}, {
      enabled: liveStates.isSuccess,
      onData: (raw) => {
        const event = unwrapTracked<AgentsFeedEvent>(raw);
        if ('registry' in event) {
          applyRegistryChange(event);
          return;
        }
        queryClient.setQueryData(trpc.live.agents.queryKey({}), (rows) => {
          const current = rows ?? [];
          const i = current.findIndex((r) => r.agentId === event.agentId);
          if (i < 0) return [...current, event];
          const next = current.slice();
          next[i] = event;
          return next;
        });
      },
    }),
  );

  const liveError = liveStates.error && !liveStates.data ? errorMessage(liveStates.error) : null;
  const rows = useMemo<AgentRow[] | undefined>(() => {
    if (!agents.data) return undefined;
    const byId = new Map((liveStates.data ?? []).map((s) => [s.agentId, s]));
    return agents.data.map((a) => ({
      ...a,
      live:
        byId.get(a.id) ??
        (liveStates.data
          ? { agentId: a.id, connections: [], lastSeenAt: null, disconnectReason: null, samples: noSamples }
          : null),
      liveError,
    }));
  }, [agents.data, liveStates.data, liveError]);

  const history = useMemo(
    () => new Map((liveStates.data ?? []).map((s) => [s.agentId, s.samples.values])),
    [liveStates.data],
  );
  const liveState = useLiveState(subscription.status);
  return {
    rows,
    error: agents.error,
    isPending: agents.isPending,
    /** Why connection state is missing (e.g. kas does not serve live.agents yet). */
    liveError: liveStates.error ?? subscription.error ?? null,
    liveState: liveStates.isError ? ('error' as const) : liveState,
    /** Active streams per agent, one peak per minute (kas's samples). */
    history,
  };
}
