import { memo } from 'react';

import type { LogLine } from '../../../lib/explorer/logs/log-line';
import { matchRanges } from '../../../lib/explorer/logs/search';

/** One log line: the pod tag (colour and text), the time when shown, the text with search matches marked. */
export const LogRow = memo(function LogRow({
  line,
  tag,
  tagClass,
  query,
  timestamps,
  current,
}: {
  line: LogLine;
  tag: string | undefined;
  tagClass: string | undefined;
  query: string;
  timestamps: boolean;
  current: boolean;
}) {
  const ranges = matchRanges(line.text, query);
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push(line.text.slice(at, start));
    parts.push(
      <mark
        key={start}
        className={
          current
            ? 'bg-orange-300 text-black dark:bg-orange-500'
            : 'bg-yellow-200 text-black dark:bg-yellow-600'
        }
      >
        {line.text.slice(start, end)}
      </mark>,
    );
    at = end;
  }
  if (at < line.text.length) parts.push(line.text.slice(at));
  return (
    <>
      {tag ? <span className={`mr-2 font-semibold ${tagClass ?? ''}`}>[{tag}]</span> : null}
      {timestamps && line.time ? (
        <span className="mr-2 text-zinc-500 dark:text-zinc-400">{line.time}</span>
      ) : null}
      <span>{parts.length ? parts : line.text || '\u00a0'}</span>
    </>
  );
});
