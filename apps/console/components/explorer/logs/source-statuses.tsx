import { ErrorBanner, Notice } from '@mooring/ui';

import type { SourceStatus } from '../../../lib/explorer/logs/log-session';

/** What each stream is doing when it is not simply streaming: an error, a wait, the end of the log. */
export function SourceStatuses({ statuses, many }: { statuses: readonly SourceStatus[]; many: boolean }) {
  const notable = statuses.filter((s) => s.state !== 'streaming' && s.state !== 'connecting' && s.title);
  if (!notable.length) return null;
  return (
    <div className="space-y-2">
      {notable.slice(0, 5).map((s) => {
        const who = many ? `${s.source.pod}${s.source.container ? `/${s.source.container}` : ''}: ` : '';
        const key = `${s.source.pod}/${s.source.container}`;
        return s.state === 'error' ? (
          <ErrorBanner key={key} title={`${who}${s.title}`} message={s.message ?? ''} />
        ) : (
          <Notice key={key}>
            <span className="font-medium">
              {who}
              {s.title}
            </span>
            {s.message ? ` — ${s.message}` : null}
          </Notice>
        );
      })}
      {notable.length > 5 ? (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          and {notable.length - 5} more streams like these
        </p>
      ) : null}
    </div>
  );
}
