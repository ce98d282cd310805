import { useId } from 'react';

import { timelineSummary, type BandState, type ConnectionTimeline as Timeline } from './connection-bands';

const fills: Record<BandState, string> = {
  connected: 'fill-emerald-500 dark:fill-emerald-400',
  disconnected: 'fill-red-400 dark:fill-red-500',
  unknown: 'fill-zinc-200 dark:fill-zinc-700',
};

const legend: { state: BandState; label: string }[] = [
  { state: 'connected', label: 'connected' },
  { state: 'disconnected', label: 'not connected' },
  { state: 'unknown', label: 'no record' },
];

/**
 * Connected/not-connected bands with a tick at each reconnect. The SVG is one image to assistive technology,
 * described by the same summary sentence printed under it.
 */
export function ConnectionTimeline({ timeline, label }: { timeline: Timeline; label: string }) {
  const summaryId = useId();
  const width = 1000;
  const height = 28;
  const span = Math.max(1, timeline.windowMs);
  const origin = timeline.bands[0]?.start ?? 0;
  const x = (t: number) => ((t - origin) / span) * width;
  const summary = timelineSummary(timeline);
  return (
    <figure className="space-y-1" data-testid="connection-timeline">
      <figcaption className="text-sm text-zinc-600 dark:text-zinc-400">{label}</figcaption>
      <svg
        role="img"
        aria-labelledby={summaryId}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        className="h-7 w-full rounded border border-zinc-200 dark:border-zinc-800"
      >
        {timeline.bands.map((b) => (
          <rect
            key={b.start}
            data-state={b.state}
            x={x(b.start)}
            y={0}
            width={Math.max(0.5, x(b.end) - x(b.start))}
            height={height}
            className={fills[b.state]}
          />
        ))}
        {timeline.reconnects.map((t) => (
          <g key={t} data-reconnect={new Date(t).toISOString()}>
            <line
              x1={x(t)}
              x2={x(t)}
              y1={0}
              y2={height}
              className="stroke-zinc-900 dark:stroke-white"
              strokeWidth={2}
            />
            <polygon
              points={`${x(t) - 5},0 ${x(t) + 5},0 ${x(t)},7`}
              className="fill-zinc-900 dark:fill-white"
            />
          </g>
        ))}
      </svg>
      <div className="flex justify-between text-xs text-zinc-600 dark:text-zinc-400" aria-hidden="true">
        <span>24 h ago</span>
        <span>12 h ago</span>
        <span>now</span>
      </div>
      <p className="text-xs text-zinc-700 dark:text-zinc-300">
        <span id={summaryId} data-testid="timeline-summary">
          {summary.charAt(0).toUpperCase() + summary.slice(1)}.
        </span>{' '}
        <span className="inline-flex flex-wrap gap-3 text-zinc-600 dark:text-zinc-400" aria-hidden="true">
          {legend.map((l) => (
            <span key={l.state} className="inline-flex items-center gap-1">
              <svg viewBox="0 0 10 10" className="h-2.5 w-2.5">
                <rect width={10} height={10} className={fills[l.state]} />
              </svg>
              {l.label}
            </span>
          ))}
          <span>▼ reconnect</span>
        </span>
      </p>
    </figure>
  );
}
