'use client';
import { EmptyState, ScrollRegion, Sparkline } from '@mooring/ui';

import type { AgentRow } from '../../lib/live';
import { AgentTimeline } from './agent-timeline';
import { sentences } from '../../lib/sentences';
import { ago, formatTime } from '../../lib/time';
import { useNow } from '../../lib/use-now';

function OverviewBody({ agent, history }: { agent: AgentRow; history: number[] }) {
  const now = useNow();
  const live = agent.live;
  if (!live && agent.liveError) {
    return (
      <EmptyState title="Connection state unavailable">
        <p>kas does not report which agentk pods are connected (live.agents): {agent.liveError}</p>
      </EmptyState>
    );
  }
  if (!live) {
    return (
      <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="overview-checking">
        Checking connection…
      </p>
    );
  }
  if (live.connections.length === 0) {
    return (
      <EmptyState title="No agentk pod is connected">
        <p>
          {sentences(
            live.lastSeenAt ? `Last seen ${ago(live.lastSeenAt, now)}` : 'This agent has never connected',
            live.disconnectReason,
            'Create a token in the Tokens tab and follow “Connect a cluster”',
          )}
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
        Active streams, recent changes{' '}
        <Sparkline values={history} width={160} height={24} label={`Active streams: ${history.join(', ')}`} />
      </div>
      <ScrollRegion
        label="Connected agentk pods"
        className="rounded border border-zinc-200 dark:border-zinc-800"
      >
        <table className="w-full text-left text-sm" data-testid="pods-table">
          <caption className="sr-only">Connected agentk pods</caption>
          <thead className="bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            <tr>
              {[
                'Pod',
                'Namespace',
                'agentk',
                'Kubernetes',
                'Config version',
                'kas replica',
                'Connected since',
                'Streams active / idle / limit',
              ].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 bg-white dark:divide-zinc-800 dark:bg-zinc-900">
            {live.connections.map((c) => (
              <tr key={c.podName} data-pod={c.podName}>
                <td className="px-3 py-1.5 font-mono text-xs">{c.podName}</td>
                <td className="px-3 py-1.5">{c.podNamespace}</td>
                <td className="px-3 py-1.5">{c.agentVersion}</td>
                <td className="px-3 py-1.5">{c.kubernetesVersion ?? '—'}</td>
                <td className="px-3 py-1.5 tabular-nums" data-testid="applied-config-version">
                  {c.configVersion ?? 'none'}
                </td>
                <td className="px-3 py-1.5">{c.kasReplica}</td>
                <td className="px-3 py-1.5" title={formatTime(c.connectedAt)}>
                  {ago(c.connectedAt, now)}
                </td>
                <td className="px-3 py-1.5 tabular-nums">
                  {c.streams.active} / {c.streams.idle} / {c.streams.limit}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}

export function OverviewTab({ agent, history }: { agent: AgentRow; history: number[] }) {
  return (
    <div className="space-y-4">
      <AgentTimeline
        agentId={agent.id}
        createdAt={agent.createdAt}
        connectedNow={agent.live ? agent.live.connections.length > 0 : null}
      />
      <OverviewBody agent={agent} history={history} />
    </div>
  );
}
