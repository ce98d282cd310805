'use client';
// One cluster's health at a glance (objects.summary: pods by phase, workloads not ready, warnings in the last hour),
// each badge a link into the explorer view that lists what it counts. The clusters overview shows it in a row, the
// developer landing in a card: one component, one query key, so either page reuses the other's answer.
//
// Cost: kas opens up to five watches of the agent's cluster per summary. So a summary is asked for only once its
// place came near the screen, at most SUMMARY_CONCURRENCY at a time for the whole page (the rest wait, and leave the
// line when their row goes away), and kept SUMMARY_STALE_MS.
import { Badge, Tooltip } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';

import { concurrencyLimit } from '../../lib/concurrency-limit';
import {
  SUMMARY_CONCURRENCY,
  SUMMARY_STALE_MS,
  summaryItems,
  summaryProblem,
} from '../../lib/explorer/cluster-summary';
import { clusterHref } from '../../lib/explorer/urls';
import { useTRPC, useTRPCClient } from '../../lib/trpc';

const summaries = concurrencyLimit(SUMMARY_CONCURRENCY);

/** objects.summary of one agent, through the page's shared limit; `enabled` false asks nothing. */
export function useClusterSummary(agentId: number, enabled: boolean) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  return useQuery({
    queryKey: trpc.objects.summary.queryKey({ agentId }),
    queryFn: ({ signal }) =>
      summaries.run(() => client.objects.summary.query({ agentId }, { signal }), signal),
    enabled,
    retry: false,
    staleTime: SUMMARY_STALE_MS,
  });
}

/** True once the element came within a screen's height of the viewport (and stays true). */
function useSeen<T extends Element>(): [React.RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (seen || !element) return;
    if (typeof IntersectionObserver === 'undefined') return setSeen(true);
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin: '100% 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [seen]);
  return [ref, seen];
}

const muted = 'text-xs text-zinc-600 dark:text-zinc-400';

export function ClusterSummary({
  agentId,
  agentName,
  layout,
}: {
  agentId: number;
  agentName: string;
  /** `row`: one line in a table cell, reasons on hover or focus; `card`: wraps, reasons written out. */
  layout: 'row' | 'card';
}) {
  const [ref, seen] = useSeen<HTMLDivElement>();
  const summary = useClusterSummary(agentId, seen);
  const label = `Health of ${agentName}`;
  const wrap = layout === 'row' ? 'flex-nowrap' : 'flex-wrap';

  let body: React.ReactNode;
  if (summary.error) {
    const problem = summaryProblem(summary.error);
    body =
      layout === 'row' ? (
        <Tooltip tip={problem.detail}>
          <span className={muted}>{problem.text}</span>
        </Tooltip>
      ) : (
        <p className={muted}>
          {problem.text}: {problem.detail}
        </p>
      );
  } else if (!summary.data) {
    body = <span className={muted}>Counting…</span>;
  } else {
    const items = summaryItems(summary.data);
    const notes = items.filter((i) => i.detail);
    body = (
      <>
        <ul className={`flex ${wrap} items-center gap-1.5`} aria-label={label}>
          {items.map((item) => (
            <li key={item.key}>
              <Link
                href={clusterHref(agentId, { view: item.view })}
                // Inside a clickable row: following the badge must not also open the row.
                onClick={(e) => e.stopPropagation()}
                className="inline-flex rounded focus-visible:outline-2 focus-visible:outline-sky-500"
                data-summary={item.key}
                // A row shows the short words; the link's name is then the whole sentence, starting with them.
                {...(layout === 'row' ? { 'aria-label': item.name } : {})}
              >
                <Badge tone={item.tone} title={item.detail ?? item.text}>
                  {layout === 'row' ? item.short : item.text}
                </Badge>
              </Link>
            </li>
          ))}
          {layout === 'row' && notes.length ? (
            <li>
              <Tooltip
                tip={<span className="whitespace-pre-line">{notes.map((n) => n.detail).join('\n\n')}</span>}
              >
                <span className={muted}>Details</span>
              </Tooltip>
            </li>
          ) : null}
        </ul>
        {layout === 'card' && notes.length ? (
          <ul
            className={`${muted} list-disc space-y-0.5 pl-5 whitespace-pre-line`}
            aria-label={`${label}: details`}
          >
            {notes.map((n) => (
              <li key={n.key}>{n.detail}</li>
            ))}
          </ul>
        ) : null}
      </>
    );
  }
  return (
    <div
      ref={ref}
      className={layout === 'card' ? 'space-y-1 text-xs' : 'text-xs'}
      data-testid="cluster-summary"
    >
      {body}
    </div>
  );
}
