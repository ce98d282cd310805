'use client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';

import type { LogSession } from '../../../lib/explorer/logs/log-session';
import { sourceTag, tagColour } from '../../../lib/explorer/logs/sources';
import { LogRow } from './log-row';

const ROW_PX = 20;

/**
 * The loaded lines, virtualised: only the rows on screen are in the DOM, so 50,000 lines scroll like 50. A new
 * batch (one per animation frame) re-renders the visible rows, never all of them. While following, the view stays
 * at the bottom; scrolling up pauses, scrolling back to the bottom follows again.
 */
export function LogLines({
  session,
  version,
  length,
  first,
  following,
  onFollowingChange,
  query,
  timestamps,
  wrap,
  withTags,
  withContainers,
  currentSeq,
}: {
  session: LogSession;
  version: number;
  length: number;
  /** The sequence number of the oldest kept line (moves when lines are dropped). */
  first: number;
  following: boolean;
  onFollowingChange(following: boolean): void;
  query: string;
  timestamps: boolean;
  wrap: boolean;
  withTags: boolean;
  withContainers: boolean;
  currentSeq: number | null;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_PX,
    overscan: 20,
    getItemKey: (index) => first + index,
  });

  // Paused: lines dropped at the top would shift the view; scroll up by as many rows to keep it still.
  const shownFirst = useRef(first);
  useLayoutEffect(() => {
    const dropped = first - shownFirst.current;
    shownFirst.current = first;
    if (!following && dropped > 0 && parent.current) parent.current.scrollTop -= dropped * ROW_PX;
  }, [first, following]);

  useLayoutEffect(() => {
    if (following && length > 0) virtualizer.scrollToIndex(length - 1, { align: 'end' });
  }, [following, length, version, virtualizer]);

  useEffect(() => {
    if (currentSeq === null) return;
    const index = currentSeq - first;
    if (index >= 0 && index < length) virtualizer.scrollToIndex(index, { align: 'center' });
    // Only when the current match changes, not when lines arrive.
  }, [currentSeq]);

  const onScroll = () => {
    const el = parent.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_PX;
    if (following && !atBottom) onFollowingChange(false);
    else if (!following && atBottom && length > 0) onFollowingChange(true);
  };

  return (
    <div
      ref={parent}
      onScroll={onScroll}
      role="log"
      aria-label="Log lines"
      aria-live="off"
      tabIndex={0}
      data-testid="log-lines"
      className="h-[60vh] min-h-64 overflow-auto rounded border border-zinc-200 bg-white font-mono text-xs leading-5 text-zinc-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-100"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth: '100%' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const line = session.ring.at(item.index);
          if (!line) return null;
          const source = session.sources[line.source];
          const seq = first + item.index;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={wrap ? virtualizer.measureElement : undefined}
              className={`absolute left-0 px-2 ${wrap ? 'w-full break-all whitespace-pre-wrap' : 'min-w-full whitespace-pre'} ${seq === currentSeq ? 'bg-orange-50 dark:bg-orange-950' : ''}`}
              style={{
                top: 0,
                transform: `translateY(${item.start}px)`,
                ...(wrap ? {} : { height: ROW_PX }),
              }}
            >
              <LogRow
                line={line}
                tag={withTags && source ? sourceTag(source, withContainers) : undefined}
                tagClass={withTags && source ? tagColour(source.pod) : undefined}
                query={query}
                timestamps={timestamps}
                current={seq === currentSeq}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
