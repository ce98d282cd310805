'use client';
import type { LiveState } from '../lib/live';

const text: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting — showing the last known state',
  error: 'Live updates stopped',
};

export function LiveDot({ state, error }: { state: LiveState; error?: { message: string } | null }) {
  const colour = state === 'live' ? 'bg-emerald-500' : state === 'error' ? 'bg-red-500' : 'bg-amber-500';
  return (
    <span
      role="status"
      aria-live="polite"
      className="inline-flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
      data-live-state={state}
    >
      <span
        aria-hidden="true"
        className={`inline-block h-2 w-2 rounded-full ${colour} ${state === 'live' ? 'animate-pulse' : ''}`}
      />
      {text[state]}
      {state === 'error' && error ? `: ${error.message}` : null}
    </span>
  );
}
