'use client';
import type { LiveState } from '../lib/live';
import { useConnection } from '../lib/use-connection';

const text: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting — showing the last known state',
  error: 'Live updates stopped',
};

const outage = {
  'kas-unreachable': 'kas cannot be reached — showing the last known state',
  'console-unreachable': 'The console server cannot be reached — showing the last known state',
} as const;

export function LiveDot({ state, error }: { state: LiveState; error?: { message: string } | null }) {
  // During an outage the stream waits for the connection (connection-links.ts); say what it waits for.
  const { status } = useConnection();
  const down = status !== 'ok' && state !== 'live';
  const colour = down
    ? 'bg-amber-500'
    : state === 'live'
      ? 'bg-emerald-500'
      : state === 'error'
        ? 'bg-red-500'
        : 'bg-amber-500';
  return (
    <span
      role="status"
      aria-live="polite"
      className="inline-flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
      data-live-state={down ? status : state}
    >
      <span
        aria-hidden="true"
        className={`inline-block h-2 w-2 shrink-0 rounded-full ${colour} ${state === 'live' && !down ? 'animate-pulse' : ''}`}
      />
      {down ? outage[status] : text[state]}
      {!down && state === 'error' && error ? `: ${error.message}` : null}
    </span>
  );
}
