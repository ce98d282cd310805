'use client';
import { connection } from '../lib/connection';
import { duration, formatTime } from '../lib/time';
import { useConnection } from '../lib/use-connection';
import { useNow } from '../lib/use-now';

/** "kas cannot be reached since …": what is missing, since when, when the next try is; a button to try now. */
export function ConnectionBanner({ pendingHref }: { pendingHref: string | null }) {
  const state = useConnection();
  const now = useNow();
  if (state.status === 'ok' || state.since === null) return null;
  const since = new Date(state.since).toISOString();
  const retryIn =
    state.nextAttemptAt === null ? null : Math.max(0, Math.ceil((state.nextAttemptAt - now) / 1000));
  const who =
    state.status === 'kas-unreachable' ? 'kas cannot be reached' : 'The console server cannot be reached';
  return (
    <div
      role="alert"
      data-connection={state.status}
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <p className="min-w-0 flex-1">
        <strong className="font-semibold">{who}</strong> since{' '}
        <time dateTime={since}>{formatTime(since)}</time> (
        {duration(Math.max(0, Math.round((now - state.since) / 1000)))} ago).{' '}
        {retryIn === null ? 'Trying again now' : `Trying again in ${retryIn} s`} — the page shows the last
        known state{pendingHref ? ` and opens ${pendingHref} when the connection is back` : ''}.
        {state.detail ? <span className="block break-words text-xs opacity-80">{state.detail}</span> : null}
      </p>
      <button
        type="button"
        onClick={() => connection.retryNow()}
        className="rounded border border-amber-400 px-2 py-1 text-xs font-medium hover:bg-amber-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-amber-600 dark:hover:bg-amber-900"
      >
        Retry now
      </button>
    </div>
  );
}
