'use client';
import { Badge, Button, ErrorBanner, inputClass } from '@mooring/ui';
import { useQueries, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useId, useMemo, useRef, useState } from 'react';

import { downloadText } from '../../../lib/download';
import { errorMessage } from '../../../lib/errors';
import { formatLine } from '../../../lib/explorer/logs/log-line';
import { defaultContainer, notReadyMessage, podInfo } from '../../../lib/explorer/logs/pod-containers';
import { LogSearch, stepMatch } from '../../../lib/explorer/logs/search';
import { MAX_PODS, podsToFollow, sourceTag, type LogSource } from '../../../lib/explorer/logs/sources';
import { useLogSession } from '../../../lib/explorer/logs/use-log-session';
import { clusterHref, logsHref, objectHref } from '../../../lib/explorer/urls';
import { useObjectList } from '../../../lib/explorer/use-object-list';
import { usePageTitle } from '../../../lib/page-title';
import { useTRPC } from '../../../lib/trpc';
import { LogLines } from './log-lines';
import { LogSearchBox } from './log-search-box';
import { SourceStatuses } from './source-statuses';

export const TAIL_CHOICES = [100, 500, 1000, 5000, 0] as const;
export const DEFAULT_TAIL = 500;

export interface LogsTarget {
  ns: string;
  pod?: string | undefined;
  container?: string | undefined;
  selector?: string | undefined;
  previous: boolean;
  tail: number;
  timestamps: boolean;
  wrap: boolean;
}

const checkbox =
  'size-4 rounded border-zinc-300 text-sky-700 focus-visible:outline-2 focus-visible:outline-sky-500';

function Toggle({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange(v: boolean): void;
}) {
  return (
    <label className="inline-flex items-center gap-1.5 text-sm text-zinc-800 dark:text-zinc-200">
      <input
        type="checkbox"
        className={checkbox}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      {label}
    </label>
  );
}

/** The sources of one pod's page: the chosen container (read from the pod), or the URL's when the pod cannot be read. */
function usePodSources(agentId: number, ns: string, pod: string | undefined, container: string | undefined) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.objects.get.queryOptions({ agentId, resource: 'pods', namespace: ns, name: pod ?? 'x' }),
    enabled: !!pod,
    retry: false,
  });
  const info = query.data ? podInfo(query.data.object) : null;
  const chosen = container ?? (query.data && info ? defaultContainer(query.data.object, info) : null) ?? '';
  const ready = !!pod && (query.isSuccess || query.isError);
  const sources = useMemo<LogSource[]>(
    () => (ready && pod ? [{ namespace: ns, pod, container: chosen }] : []),
    [ready, ns, pod, chosen],
  );
  return {
    sources,
    info,
    chosen,
    podError: query.error ? errorMessage(query.error) : null,
    waiting: info && chosen ? notReadyMessage(info, chosen) : null,
  };
}

/** The sources of a selector page: the containers of up to MAX_PODS matching pods, live. */
function useSelectorSources(
  agentId: number,
  ns: string,
  selector: string | undefined,
  container: string | undefined,
) {
  const trpc = useTRPC();
  const list = useObjectList({
    agentId,
    resource: 'pods',
    namespace: ns,
    ...(selector ? { labelSelector: selector } : {}),
    enabled: !!selector,
  });
  const following = useRef(new Set<string>());
  const { shown, total } = useMemo(() => podsToFollow(list.rows, following.current), [list.rows]);
  useEffect(() => {
    following.current = new Set(shown.map((p) => p.name));
  }, [shown]);
  const pods = useQueries({
    queries: shown.map((p) => ({
      ...trpc.objects.get.queryOptions({ agentId, resource: 'pods', namespace: ns, name: p.name }),
      retry: false,
      staleTime: Infinity,
    })),
  });
  const key = pods
    .map((q, i) => {
      const name = shown[i]!.name;
      if (!q.data) return q.isError ? `${name}:` : '';
      const containers = podInfo(q.data.object)
        .containers.filter((c) => c.kind === 'container')
        .map((c) => c.name);
      const picked = container ? containers.filter((c) => c === container) : containers;
      return picked.map((c) => `${name}:${c}`).join(' ');
    })
    .join(' ');
  const sources = useMemo<LogSource[]>(
    () =>
      key
        .split(' ')
        .filter(Boolean)
        .map((pair) => {
          const [pod, c] = pair.split(':');
          return { namespace: ns, pod: pod!, container: c ?? '' };
        }),
    [key, ns],
  );
  const multiContainer = new Set(sources.map((s) => s.pod)).size !== sources.length;
  return {
    sources,
    shown: shown.length,
    total,
    ready: list.ready,
    error: list.error,
    health: list.health,
    multiContainer,
  };
}

export function LogsView({ agentId, initial }: { agentId: number; initial: LogsTarget }) {
  const [target, setTarget] = useState(initial);
  const { ns, pod, selector, previous, tail, timestamps, wrap } = target;
  const many = !pod && !!selector;
  const single = usePodSources(agentId, ns, many ? undefined : pod, target.container);
  const multi = useSelectorSources(agentId, ns, many ? selector : undefined, target.container);
  const sources = many ? multi.sources : single.sources;
  const [following, setFollowing] = useState(true);
  usePageTitle(many ? selector : pod, 'Logs', ns);
  const { session, state } = useLogSession(agentId, sources, {
    follow: !previous,
    previous,
    tailLines: tail > 0 ? tail : null,
  });

  const change = (next: Partial<LogsTarget>) => {
    const merged = { ...target, ...next };
    setTarget(merged);
    // The URL reproduces the view (urls.ts); no server round trip for a toggle.
    window.history.replaceState(
      null,
      '',
      logsHref(agentId, { ...merged, tail: merged.tail === DEFAULT_TAIL ? undefined : merged.tail }),
    );
  };

  const [query, setQuery] = useState('');
  const search = useRef(new LogSearch());
  const matches = useMemo(
    () => search.current.update(session.ring, query),
    // The ring changes in place; its version says when.
    [session, state.version, query],
  );
  const [current, setCurrent] = useState(-1);
  useEffect(() => setCurrent(-1), [query]);
  const currentSeq = current >= 0 && current < matches.length ? matches[current]! : null;
  const step = (direction: 1 | -1) => {
    setFollowing(false);
    setCurrent((c) => stepMatch(matches.length, c, direction));
  };

  const download = () => {
    const text = session.ring
      .toArray()
      .map((line) => {
        const source = session.sources[line.source];
        return formatLine(line, {
          timestamps: true,
          tag: many && source ? sourceTag(source, true) : undefined,
        });
      })
      .join('\n');
    const name = many ? `${ns}-${selector}` : `${ns}-${pod}-${single.chosen || 'log'}`;
    downloadText(`${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`, `${text}\n`, 'text/plain');
  };

  const tailId = useId();
  const containerId = useId();
  const title = many ? `Logs of pods matching ${selector}` : `Logs of ${pod}`;
  const anyError = state.statuses.some((s) => s.state === 'error');

  if (!pod && !selector)
    return (
      <ErrorBanner
        title="Which pod?"
        message="This address names no pod and no label selector; open a pod's logs from the pods list, or add ?selector=app=web to follow pods by label."
      />
    );

  return (
    <div className="space-y-3">
      <nav aria-label="Breadcrumb" className="text-sm text-zinc-600 dark:text-zinc-400">
        <Link className="underline" href={clusterHref(agentId, { ns, view: 'pods' })}>
          {ns}
        </Link>
        {pod ? (
          <>
            {' / '}
            <Link
              className="underline"
              href={objectHref(agentId, { resource: 'pods', namespace: ns, name: pod })}
            >
              {pod}
            </Link>
          </>
        ) : null}
        {' / logs'}
      </nav>
      <h1 className="text-xl font-semibold break-all text-zinc-900 dark:text-zinc-100">{title}</h1>

      <div className="flex flex-wrap items-center gap-x-4 gap-y-2" role="toolbar" aria-label="Log options">
        {!many && single.info && single.info.containers.length > 0 ? (
          <span className="inline-flex items-center gap-1.5">
            <label htmlFor={containerId} className="text-sm text-zinc-800 dark:text-zinc-200">
              Container
            </label>
            <select
              id={containerId}
              className={inputClass}
              value={single.chosen}
              onChange={(e) => change({ container: e.target.value })}
            >
              {single.info.containers.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                  {c.kind !== 'container' ? ` (${c.kind})` : ''}
                  {c.restarts ? ` — ${c.restarts} restarts` : ''}
                </option>
              ))}
            </select>
          </span>
        ) : null}
        <span className="inline-flex items-center gap-1.5">
          <label htmlFor={tailId} className="text-sm text-zinc-800 dark:text-zinc-200">
            Last
          </label>
          <select
            id={tailId}
            className={inputClass}
            value={tail}
            onChange={(e) => change({ tail: Number(e.target.value) })}
          >
            {TAIL_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n ? `${n.toLocaleString('en')} lines` : 'whole log'}
              </option>
            ))}
          </select>
        </span>
        <Button
          variant={following ? 'primary' : 'secondary'}
          aria-pressed={following}
          onClick={() => setFollowing(!following)}
          disabled={previous}
        >
          {following ? 'Pause' : 'Follow'}
        </Button>
        <Toggle label="Previous container" checked={previous} onChange={(v) => change({ previous: v })} />
        <Toggle label="Timestamps" checked={timestamps} onChange={(v) => change({ timestamps: v })} />
        <Toggle label="Wrap lines" checked={wrap} onChange={(v) => change({ wrap: v })} />
        <LogSearchBox
          query={query}
          onQueryChange={setQuery}
          count={matches.length}
          current={current}
          onStep={step}
        />
        <Button onClick={download} disabled={!state.length}>
          ⤓ Download
        </Button>
      </div>

      {many ? (
        <p className="text-sm text-zinc-700 dark:text-zinc-300" data-testid="pod-count">
          {multi.error ? null : !multi.ready ? (
            'Finding pods…'
          ) : multi.total === 0 ? (
            <>
              No pod in {ns} matches {selector}; check the selector (e.g. app=web) or the namespace.
            </>
          ) : multi.total > MAX_PODS ? (
            <>
              <Badge tone="warn">
                showing {MAX_PODS} of {multi.total} pods
              </Badge>{' '}
              — narrow the selector to see the others
            </>
          ) : (
            `Following ${multi.shown} pod${multi.shown === 1 ? '' : 's'}`
          )}
        </p>
      ) : null}
      {many && multi.error ? <ErrorBanner title="Cannot list the pods" message={multi.error} /> : null}
      {many && multi.health ? (
        <ErrorBanner title="Cannot list the pods" message={multi.health.message} />
      ) : null}
      {!many && single.podError && !anyError && !state.length ? (
        <ErrorBanner title="Cannot read the pod" message={single.podError} />
      ) : null}
      {!many && single.waiting && !state.length ? (
        <ErrorBanner title="No log yet" message={single.waiting} />
      ) : null}
      <SourceStatuses statuses={state.statuses} many={many} />

      <div
        className="flex flex-wrap items-center gap-x-3 text-xs text-zinc-600 dark:text-zinc-400"
        aria-live="polite"
      >
        {state.length || !anyError ? (
          <span>
            {state.length.toLocaleString('en')} line{state.length === 1 ? '' : 's'} loaded
          </span>
        ) : null}
        {state.dropped ? (
          <span data-testid="dropped">
            the oldest {state.dropped.toLocaleString('en')} were dropped (this page keeps the newest{' '}
            {session.ring.capacity.toLocaleString('en')}); download or narrow the tail to keep what matters
          </span>
        ) : null}
        {!following && !previous ? (
          <span>paused: new lines are still read; Follow jumps to the newest</span>
        ) : null}
      </div>
      {!state.length && state.statuses.some((s) => s.state === 'streaming') ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          The log is empty so far; new lines appear here as the container writes them
          {tail ? ', or choose “whole log” to read from its start' : ''}.
        </p>
      ) : null}
      {state.length || !anyError ? (
        <LogLines
          session={session}
          version={state.version}
          length={state.length}
          first={session.ring.first}
          following={following && !previous}
          onFollowingChange={setFollowing}
          query={query}
          timestamps={timestamps}
          wrap={wrap}
          withTags={many}
          withContainers={multi.multiContainer}
          currentSeq={currentSeq}
        />
      ) : null}
    </div>
  );
}
