'use client';
import { ConnectionTimeline, ErrorBanner, connectionTimeline, type ConnectionEvent } from '@mooring/ui';
import { useMemo } from 'react';

import { errorMessage } from '../../lib/errors';
import { useAgentActivity } from '../../lib/use-activity';
import { useNow } from '../../lib/use-now';

const day = 24 * 3_600_000;

/** The last 24 h of connected/not-connected bands, from the agent's agent_connected/agent_disconnected activity. */
export function AgentTimeline({
  agentId,
  connectedNow,
  createdAt,
}: {
  agentId: number;
  connectedNow: boolean | null;
  /** ISO time the agent was registered: the timeline has no record before it. */
  createdAt: string;
}) {
  const now = useNow();
  const activity = useAgentActivity(agentId);
  const events = useMemo<ConnectionEvent[]>(
    () =>
      (activity.rows ?? []).map((r) => ({
        kind: r.kind,
        at: Date.parse(r.createdAt),
        pod: typeof r.details.pod === 'string' ? r.details.pod : undefined,
      })),
    [activity.rows],
  );
  if (activity.error)
    return (
      <ErrorBanner title="Could not load the connection history" message={errorMessage(activity.error)} />
    );
  if (!activity.rows)
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading the connection history…</p>;
  const timeline = connectionTimeline(events, now - day, now, connectedNow, Date.parse(createdAt));
  return <ConnectionTimeline timeline={timeline} label="Connection timeline, last 24 h" />;
}
