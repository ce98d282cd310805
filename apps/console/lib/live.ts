'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useRef, useState } from 'react';

import type { AppRouter } from './app-router';
import { useTRPC } from './trpc';
import type { inferRouterOutputs } from '@trpc/server';

type Outputs = inferRouterOutputs<AppRouter>;
export type AgentRow = Outputs['agents']['list'][number];

type AgentEvent = { type: 'upsert'; agent: AgentRow } | { type: 'removed'; agentId: number };

/** tRPC hands tracked events over as {id, data}; accept both that and the bare event. */
function unwrap<T>(value: unknown): T {
  if (value && typeof value === 'object' && 'data' in value && 'id' in value && !('type' in value)) {
    return (value as { data: T }).data;
  }
  return value as T;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'error';

const historyLength = 60;

/**
 * Keeps the agents list query up to date from the agents.onChange subscription (one event stream),
 * and remembers recent active-stream counts per agent for the sparklines.
 */
export function useLiveAgents(agentId?: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const history = useRef(new Map<number, number[]>());
  const [, setTick] = useState(0);

  const subscription = useSubscription(
    trpc.agents.onChange.subscriptionOptions(agentId ? { agentId } : undefined, {
      onData: (raw) => {
        const event = unwrap<AgentEvent>(raw);
        const listKey = trpc.agents.list.queryKey();
        if (event.type === 'removed') {
          queryClient.setQueryData(listKey, (rows) => rows?.filter((r) => r.id !== event.agentId));
          return;
        }
        const agent = event.agent;
        queryClient.setQueryData(listKey, (rows) => {
          if (!rows) return rows;
          const i = rows.findIndex((r) => r.id === agent.id);
          if (i < 0) return [...rows, agent];
          const next = rows.slice();
          next[i] = agent;
          return next;
        });
        queryClient.setQueryData(trpc.agents.get.queryKey({ agentId: agent.id }), agent);
        const active = agent.connections.reduce((sum, c) => sum + c.streams.active, 0);
        const series = history.current.get(agent.id) ?? [];
        series.push(active);
        if (series.length > historyLength) series.shift();
        history.current.set(agent.id, series);
        setTick((t) => t + 1);
      },
    }),
  );

  return { state: useLiveState(subscription.status), error: subscription.error, history: history.current };
}

/** 'pending' in tRPC's terms means the stream is open and waiting for the next event. */
export function useLiveState(status: 'idle' | 'connecting' | 'pending' | 'error'): LiveState {
  const wasLive = useRef(false);
  if (status === 'pending') wasLive.current = true;
  if (status === 'pending') return 'live';
  if (status === 'error') return 'error';
  return wasLive.current ? 'reconnecting' : 'connecting';
}
