'use client';
import { EmptyState, ErrorBanner, inputClass } from '@mooring/ui';
import { useState } from 'react';

import { errorMessage } from '../../lib/errors';
import { ago, formatTime } from '../../lib/time';
import { useAgentActivity } from '../../lib/use-activity';
import { useNow } from '../../lib/use-now';
import { LiveDot } from '../live-dot';

const icons: Record<string, string> = {
  agent_connected: '⇡',
  agent_disconnected: '⇣',
  token_created: '+',
  token_revoked: '⊘',
  config_applied: '✓',
  config_rejected: '✕',
  connect_refused: '⚠',
};

function describe(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(
      ([k, v]) =>
        `${k.replace(/([A-Z])/g, ' $1').toLowerCase()}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
    )
    .join(' · ');
}

export function ActivityTab({ agentId }: { agentId: number }) {
  const now = useNow();
  const [kind, setKind] = useState('');
  const activity = useAgentActivity(agentId);
  if (activity.error)
    return <ErrorBanner title="Could not load the activity" message={errorMessage(activity.error)} />;
  const rows = activity.rows ?? [];
  const kinds = [...new Set(rows.map((r) => r.kind))].sort();
  const shown = kind ? rows.filter((r) => r.kind === kind) : rows;
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-3">
        <label className="text-sm" htmlFor="activity-kind">
          Kind
        </label>
        <select
          id="activity-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value)}
          className={`${inputClass} w-56`}
        >
          <option value="">All kinds</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        <LiveDot
          state={activity.liveState}
          error={activity.liveError ? { message: errorMessage(activity.liveError) } : null}
        />
      </div>
      {shown.length === 0 ? (
        <EmptyState title="No activity yet">
          Token changes, connections and configuration changes of this agent appear here as they happen.
        </EmptyState>
      ) : (
        <ol
          className="divide-y divide-zinc-100 rounded border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900"
          data-testid="activity-list"
        >
          {shown.map((r) => (
            <li key={r.id} className="flex items-start gap-3 px-3 py-2 text-sm" data-kind={r.kind}>
              <span aria-hidden="true" className="w-4 text-center text-zinc-600 dark:text-zinc-400">
                {icons[r.kind] ?? '•'}
              </span>
              <span className="min-w-0 flex-1">
                <span className="font-medium">{r.kind.replaceAll('_', ' ')}</span>{' '}
                <span className="text-zinc-600 dark:text-zinc-400">{describe(r.details)}</span>
              </span>
              <time
                dateTime={r.createdAt}
                title={formatTime(r.createdAt)}
                className="shrink-0 text-xs text-zinc-600 dark:text-zinc-400"
              >
                {ago(r.createdAt, now)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
