'use client';
import { Badge, EmptyState, Sparkline, Tooltip, inputClass } from '@mooring/ui';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';

import {
  agentStatus,
  samplesSummary,
  streamTotals,
  supportLabel,
  supportTone,
  versionView,
} from '../lib/agent-status';
import type { AgentRow } from '../lib/live';
import { ReceptiveBadge, useReceptiveStates, type DialOutState } from './agent/receptive-status';
import { ClusterSummary } from './explorer/cluster-summary';
import { ago, formatTime } from '../lib/time';
import { useNow } from '../lib/use-now';

type SortKey = 'name' | 'status' | 'pods' | 'streams' | 'agentVersion' | 'kubernetes' | 'lastContact';
const columns: { key: SortKey; label: string; className?: string }[] = [
  { key: 'name', label: 'Agent' },
  { key: 'status', label: 'Status' },
  { key: 'pods', label: 'Pods', className: 'text-right' },
  { key: 'streams', label: 'Streams active / idle / limit' },
  { key: 'agentVersion', label: 'agentk' },
  { key: 'kubernetes', label: 'Kubernetes' },
  { key: 'lastContact', label: 'Last contact' },
];

const rowHeight = 44;
const conns = (agent: AgentRow) => agent.live?.connections ?? [];
const virtualiseAbove = 200;

interface View {
  agent: AgentRow;
  status: ReturnType<typeof agentStatus>;
  streams: ReturnType<typeof streamTotals>;
  versions: ReturnType<typeof versionView>;
}

function compare(a: View, b: View, key: SortKey): number {
  switch (key) {
    case 'name':
      return `${a.agent.projectPath}/${a.agent.name}`.localeCompare(`${b.agent.projectPath}/${b.agent.name}`);
    case 'status':
      return (
        a.status.rank - b.status.rank ||
        (Date.parse(b.agent.live?.lastSeenAt ?? '0') || 0) -
          (Date.parse(a.agent.live?.lastSeenAt ?? '0') || 0)
      );
    case 'pods':
      return conns(a.agent).length - conns(b.agent).length;
    case 'streams':
      return a.streams.active - b.streams.active || a.streams.idle - b.streams.idle;
    case 'agentVersion':
      return (a.versions.agentVersion ?? '').localeCompare(b.versions.agentVersion ?? '', undefined, {
        numeric: true,
      });
    case 'kubernetes':
      return (a.versions.kubernetesVersion ?? '').localeCompare(
        b.versions.kubernetesVersion ?? '',
        undefined,
        { numeric: true },
      );
    case 'lastContact':
      return (
        (Date.parse(a.agent.live?.lastSeenAt ?? '0') || 0) -
        (Date.parse(b.agent.live?.lastSeenAt ?? '0') || 0)
      );
  }
}

function readUrlState(): { q: string; sort: SortKey; dir: 'asc' | 'desc' } {
  if (typeof window === 'undefined') return { q: '', sort: 'status', dir: 'asc' };
  const params = new URLSearchParams(window.location.search);
  const sort = (params.get('sort') ?? 'status') as SortKey;
  return {
    q: params.get('q') ?? '',
    sort: columns.some((c) => c.key === sort) ? sort : 'status',
    dir: params.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

export function ClustersTable({
  agents,
  kasVersion,
  history,
}: {
  agents: AgentRow[];
  kasVersion: string | null;
  history: Map<number, number[]>;
}) {
  const now = useNow();
  const router = useRouter();
  const dialOut = useReceptiveStates(agents.some((a) => a.receptive));
  const [{ q, sort, dir }, setState] = useState(readUrlState);
  const [selected, setSelected] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const filterRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  // Deep link: the filter and sort live in the URL without a navigation.
  useEffect(() => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (sort !== 'status') params.set('sort', sort);
    if (dir !== 'asc') params.set('dir', dir);
    const search = params.toString();
    window.history.replaceState(null, '', search ? `?${search}` : window.location.pathname);
  }, [q, sort, dir]);

  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (
        event.key === '/' &&
        document.activeElement?.tagName !== 'INPUT' &&
        document.activeElement?.tagName !== 'TEXTAREA'
      ) {
        event.preventDefault();
        filterRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Version verdicts change by the day, not by the second.
  const day = Math.floor(now / 86_400_000);
  const views = useMemo(() => {
    const date = new Date(day * 86_400_000 + 43_200_000);
    return agents.map((agent) => ({
      agent,
      status: agentStatus(agent, now),
      streams: streamTotals(conns(agent)),
      versions: versionView(conns(agent), kasVersion, date),
    }));
  }, [agents, kasVersion, now, day]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const filtered = needle
      ? views.filter((v) =>
          [
            v.agent.name,
            v.agent.projectPath,
            v.status.label,
            v.versions.kubernetesVersion ?? '',
            v.versions.agentVersion ?? '',
          ]
            .join(' ')
            .toLowerCase()
            .includes(needle),
        )
      : views;
    const sorted = filtered.slice().sort((a, b) => compare(a, b, sort) || compare(a, b, 'name'));
    return dir === 'desc' ? sorted.reverse() : sorted;
  }, [views, q, sort, dir]);

  const summary = useMemo(() => {
    const connected = views.filter((v) => v.status.kind === 'connected').length;
    const unsupported = views.filter(
      (v) => v.versions.support && v.versions.support.status !== 'supported',
    ).length;
    const skew = views.filter((v) => v.versions.agentWarnings.length > 0).length;
    const active = views.reduce((sum, v) => sum + v.streams.active, 0);
    // Without connection state from kas, counts of connections would read as "none connected".
    const known = views.some((v) => v.agent.live !== null);
    // '?' only when kas refused to say; '…' while its answer is on the way.
    const missing = views.some((v) => v.agent.liveError) ? '?' : '…';
    return { connected, unsupported, skew, active, known, missing };
  }, [views]);

  if (agents.length === 0) {
    return (
      <EmptyState title="No clusters yet — connect one">
        <ol className="list-decimal space-y-1 pl-5">
          <li>
            Create a project under{' '}
            <a className="text-sky-700 underline dark:text-sky-400" href="/projects">
              Projects
            </a>{' '}
            (or pick an existing one).
          </li>
          <li>Register an agent in it: the agent is the cluster&apos;s identity in Mooring.</li>
          <li>
            Create a token on the agent page and start agentk with it; the row turns Connected here by itself.
          </li>
        </ol>
      </EmptyState>
    );
  }

  const virtual = rows.length > virtualiseAbove;
  const viewport = 600;
  const first = virtual ? Math.max(0, Math.floor(scrollTop / rowHeight) - 10) : 0;
  const last = virtual ? Math.min(rows.length, first + Math.ceil(viewport / rowHeight) + 20) : rows.length;
  const visible = rows.slice(first, last);

  const open = (view: View | undefined) => {
    if (view) router.push(`/agents/${encodeURIComponent(view.agent.id)}`);
  };
  const onTableKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.target as HTMLElement).tagName === 'INPUT') return;
    if (event.key === 'j' || event.key === 'k') {
      event.preventDefault();
      const next = Math.min(rows.length - 1, Math.max(0, selected + (event.key === 'j' ? 1 : -1)));
      setSelected(next);
      if (virtual && scrollRef.current) {
        const top = next * rowHeight;
        if (top < scrollRef.current.scrollTop || top > scrollRef.current.scrollTop + viewport - rowHeight * 2)
          scrollRef.current.scrollTop = top - viewport / 2;
      }
    } else if (event.key === 'Enter') {
      open(rows[selected]);
    }
  };

  const toggleSort = (key: SortKey) =>
    setState((s) => ({ ...s, sort: key, dir: s.sort === key && s.dir === 'asc' ? 'desc' : 'asc' }));

  return (
    <div className="space-y-3">
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label="Fleet summary">
        {[
          [
            'Connected',
            summary.known ? `${summary.connected} / ${views.length}` : `${summary.missing} / ${views.length}`,
          ],
          ['On unsupported Kubernetes', String(summary.unsupported)],
          ['With agentk version skew', String(summary.skew)],
          ['Active streams', summary.known ? String(summary.active) : summary.missing],
        ].map(([label, value]) => (
          <div
            key={label}
            className="rounded border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900"
          >
            <dt className="text-xs text-zinc-600 dark:text-zinc-400">{label}</dt>
            <dd className="text-lg font-semibold tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      <div className="flex items-center gap-3">
        <label htmlFor="cluster-filter" className="sr-only">
          Filter clusters
        </label>
        <input
          id="cluster-filter"
          ref={filterRef}
          type="search"
          value={q}
          onChange={(e) => {
            setState((s) => ({ ...s, q: e.target.value }));
            setSelected(0);
          }}
          placeholder="Filter by name, project, status or version  ( / )"
          className={`${inputClass} w-full max-w-md`}
        />
        <span className="text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {rows.length === views.length
            ? `${views.length} agents`
            : `${rows.length} of ${views.length} agents`}
        </span>
      </div>
      <div
        ref={scrollRef}
        tabIndex={0}
        onKeyDown={onTableKey}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        aria-label="Clusters; j and k move, Enter opens"
        className="overflow-auto rounded border border-zinc-200 bg-white focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-zinc-800 dark:bg-zinc-900"
        style={virtual ? { maxHeight: viewport } : undefined}
      >
        <table
          className="w-full text-left text-sm"
          aria-rowcount={rows.length + 1}
          data-testid="clusters-table"
        >
          <thead className="sticky top-0 z-10 bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            <tr>
              {columns.flatMap((c) => [
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={sort === c.key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  className={`px-3 py-2 font-medium ${c.className ?? ''}`}
                >
                  <button
                    type="button"
                    onClick={() => toggleSort(c.key)}
                    className="inline-flex items-center gap-1 rounded hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:hover:text-white"
                  >
                    {c.label}
                    <span aria-hidden="true" className="text-[0.6rem]">
                      {sort === c.key ? (dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>,
                // What is in the cluster: not a sort key (each row's numbers arrive on their own, once on screen).
                c.key === 'status' ? (
                  <th key="health" scope="col" className="px-3 py-2 font-medium">
                    Health
                  </th>
                ) : null,
              ])}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {first > 0 ? <tr aria-hidden="true" style={{ height: first * rowHeight }} /> : null}
            {visible.map((view, i) => (
              <ClusterRow
                key={view.agent.id}
                view={view}
                now={now}
                history={history.get(view.agent.id) ?? []}
                dialOut={dialOut.get(view.agent.id)}
                selected={first + i === selected}
                onOpen={() => open(view)}
              />
            ))}
            {last < rows.length ? (
              <tr aria-hidden="true" style={{ height: (rows.length - last) * rowHeight }} />
            ) : null}
          </tbody>
        </table>
        {rows.length === 0 ? (
          <p className="px-3 py-6 text-sm text-zinc-600 dark:text-zinc-400">
            No agent matches “{q}”. Clear the filter to see all {views.length}.
          </p>
        ) : null}
      </div>
    </div>
  );
}

function ClusterRow({
  view,
  now,
  history,
  dialOut,
  selected,
  onOpen,
}: {
  view: View;
  now: number;
  history: number[];
  dialOut: DialOutState | undefined;
  selected: boolean;
  onOpen: () => void;
}) {
  const { agent, status, streams, versions } = view;
  return (
    <tr
      onClick={onOpen}
      data-agent={agent.name}
      data-status={status.kind}
      aria-selected={selected}
      // One line per row: the list is virtualised at a fixed row height, and a narrow screen scrolls sideways.
      className="cursor-pointer whitespace-nowrap hover:bg-zinc-50 aria-selected:bg-sky-50 dark:hover:bg-zinc-800/60 dark:aria-selected:bg-sky-950/50"
      style={{ height: rowHeight }}
    >
      <td className="px-3 py-1.5">
        <a
          href={`/agents/${encodeURIComponent(agent.id)}`}
          onClick={(e) => e.stopPropagation()}
          className="font-medium text-zinc-900 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-100"
        >
          {agent.name}
        </a>
        <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">{agent.projectPath}</span>
        {agent.receptive ? (
          <span className="ml-2">
            <ReceptiveBadge dialOut={dialOut} />
          </span>
        ) : null}
      </td>
      <td className="px-3 py-1.5">
        <Tooltip tip={status.reason}>
          <span data-testid="status-badge">
            <Badge tone={status.tone}>{status.label}</Badge>
          </span>
        </Tooltip>
      </td>
      <td className="px-3 py-1.5">
        {status.kind === 'connected' ? (
          <ClusterSummary agentId={agent.id} agentName={agent.name} layout="row" />
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </td>
      <td className="px-3 py-1.5 text-right tabular-nums">
        {conns(agent).length ? (
          <Tooltip
            tip={
              <ul>
                {conns(agent).map((c) => (
                  <li key={c.podName}>
                    {c.podName} → {c.kasReplica}, since {formatTime(c.connectedAt)}
                  </li>
                ))}
              </ul>
            }
          >
            <span>
              {conns(agent).length}
              <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400">
                {[...new Set(conns(agent).map((c) => c.kasReplica))].join(', ')}
              </span>
            </span>
          </Tooltip>
        ) : (
          <span className="text-zinc-400">0</span>
        )}
      </td>
      <td className="px-3 py-1.5 tabular-nums">
        {conns(agent).length ? (
          <span className="inline-flex items-center gap-2">
            <span>
              {streams.active} / {streams.idle} / {streams.limit}
            </span>
            {agent.live ? (
              <Tooltip tip={samplesSummary(agent.live.samples)}>
                <span data-testid="stream-sparkline">
                  <Sparkline values={history} label={samplesSummary(agent.live.samples)} />
                </span>
              </Tooltip>
            ) : null}
          </span>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </td>
      <td className="px-3 py-1.5">
        {versions.agentVersion ?? <span className="text-zinc-400">—</span>}
        {versions.agentWarnings.length ? (
          <span className="ml-1">
            <Tooltip tip={versions.agentWarnings.join(' ')}>
              <Badge tone="warn">Skew</Badge>
            </Tooltip>
          </span>
        ) : null}
      </td>
      <td className="px-3 py-1.5">
        {versions.support ? (
          <span className="inline-flex items-center gap-1.5">
            {versions.kubernetesVersion}
            <Tooltip tip={versions.support.reason}>
              <Badge tone={supportTone[versions.support.status]}>
                {supportLabel[versions.support.status]}
              </Badge>
            </Tooltip>
          </span>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </td>
      <td className="px-3 py-1.5 text-zinc-600 dark:text-zinc-400" title={formatTime(agent.live?.lastSeenAt)}>
        {conns(agent).length ? 'now' : ago(agent.live?.lastSeenAt, now)}
      </td>
    </tr>
  );
}
