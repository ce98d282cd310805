'use client';
import { Badge, ErrorBanner } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';

import { errorMessage } from '../../lib/errors';
import { useObjectList } from '../../lib/explorer/use-object-list';
import { clusterHref, execHref, logsHref, objectHref, type ObjectRef } from '../../lib/explorer/urls';
import { useTRPC } from '../../lib/trpc';
import { ago } from '../../lib/time';
import { useNow } from '../../lib/use-now';
import { CHILD_RESOURCES, eventsOf, OWNS_PODS, ownedBy } from './detail/children';
import { ObjectYaml } from './detail/object-yaml';
import { conditionsOf, statusInWords } from './detail/status-words';
import { ObjectActions } from './object-actions';

const TABS = ['summary', 'yaml', 'events'] as const;
type Tab = (typeof TABS)[number];

// Owner kinds the explorer can open, by the resource objects.watch names them with.
const RESOURCE_OF_KIND: Record<string, string> = {
  ReplicaSet: 'apps/v1/replicasets',
  Deployment: 'apps/v1/deployments',
  StatefulSet: 'apps/v1/statefulsets',
  DaemonSet: 'apps/v1/daemonsets',
  Job: 'batch/v1/jobs',
  CronJob: 'batch/v1/cronjobs',
  Pod: 'pods',
  Node: 'nodes',
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What went wrong, and what to try, from kas's answer to objects.get. */
function fetchProblem(error: unknown): { title: string; message: string } {
  const status =
    error instanceof TRPCClientError
      ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
      : undefined;
  const message = errorMessage(error);
  if (status === 403) return { title: 'You may not see this object', message };
  if (status === 404)
    return { title: 'It was deleted (or never existed)', message: `${message}. Go back to the list.` };
  if (status === 503) return { title: 'The cluster cannot be reached', message };
  return { title: 'Could not load the object', message };
}

/** One object: summary, conditions, labels, its events, owner and child links, YAML; actions when allowed. */
export function ObjectDetail({
  agentId,
  object,
  onClose,
  headingLevel = 'h2',
}: {
  agentId: number;
  object: ObjectRef;
  onClose?: () => void;
  /** h1 on the object's own page; h2 in the drawer over a list (whose page has its own h1). */
  headingLevel?: 'h1' | 'h2';
}) {
  const Heading = headingLevel;
  const trpc = useTRPC();
  const now = useNow();
  const search = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(search.get('tab') ?? '')
    ? (search.get('tab') as Tab)
    : 'summary';
  const ns = object.namespace;
  const full = useQuery({
    ...trpc.objects.get.queryOptions({
      agentId,
      resource: object.resource,
      ...(ns ? { namespace: ns } : {}),
      name: object.name,
    }),
    retry: false,
  });
  const self = useObjectList({ agentId, resource: object.resource, ...(ns ? { namespace: ns } : {}) });
  const row = self.rows.find((r) => r.name === object.name);
  const kind = String(full.data?.object['kind'] ?? '');
  const uid = String(obj(full.data?.object['metadata'])['uid'] ?? '');
  const children = CHILD_RESOURCES[kind];
  const first = useObjectList({
    agentId,
    resource: children?.first ?? 'pods',
    ...(ns ? { namespace: ns } : {}),
    ...(kind === 'Service' ? { labelSelector: `kubernetes.io/service-name=${object.name}` } : {}),
    enabled: !!children && !!ns,
  });
  const wantsPods = !!ns && (OWNS_PODS.has(kind) || !!children?.pods);
  const pods = useObjectList({
    agentId,
    resource: 'pods',
    ...(ns ? { namespace: ns } : {}),
    enabled: wantsPods,
  });
  const events = useObjectList({ agentId, resource: 'events', namespace: ns ?? 'default' });

  // The live row changed (a new resourceVersion): read the full object again.
  const { refetch } = full;
  useEffect(() => {
    if (row?.resourceVersion) void refetch();
  }, [row?.resourceVersion, refetch]);

  const setTab = (t: Tab) => {
    const params = new URLSearchParams(search.toString());
    params.set('tab', t);
    window.history.pushState(null, '', `?${params.toString()}`);
  };

  const deleted = self.ready && !row && full.isSuccess;
  const firstRows = children ? (kind === 'Service' ? first.rows : ownedBy(first.rows, new Set([uid]))) : [];
  const podOwners = new Set(OWNS_PODS.has(kind) ? [uid] : firstRows.map((r) => r.uid));
  const sliceSelector = obj(obj(full.data?.object['spec'])['selector']);
  const childPods =
    kind === 'Service'
      ? pods.rows.filter(
          (p) =>
            Object.entries(sliceSelector).length > 0 &&
            Object.entries(sliceSelector).every(([k, v]) => p.labels[k] === v),
        )
      : wantsPods
        ? ownedBy(pods.rows, podOwners)
        : [];
  const ownEvents = uid ? eventsOf(events.rows, { uid, kind, name: object.name, clusterScoped: !ns }) : [];

  return (
    <article className="space-y-4" aria-label={`${object.resource} ${object.name}`}>
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <Heading className="text-lg font-semibold break-all">
            <span className="text-sm font-normal text-zinc-600 dark:text-zinc-400">
              {kind || object.resource}{' '}
            </span>
            {object.name}
          </Heading>
          {ns ? (
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              in namespace{' '}
              <Link className="text-sky-700 underline dark:text-sky-400" href={clusterHref(agentId, { ns })}>
                {ns}
              </Link>
            </p>
          ) : null}
        </div>
        <div className="flex items-center gap-2">
          <ObjectActions agentId={agentId} object={object} {...(row ? { row } : {})} />
          {onClose ? (
            <button
              type="button"
              onClick={onClose}
              className="rounded px-2 py-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
            >
              Close
            </button>
          ) : null}
        </div>
      </header>
      {full.error ? <ErrorBanner {...fetchProblem(full.error)} /> : null}
      {deleted ? (
        <ErrorBanner
          title="It was deleted"
          message="This object is no longer in the cluster; go back to the list."
        />
      ) : null}
      {!full.data && !full.error ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading {object.name}…</p>
      ) : null}
      {full.data ? (
        <>
          <div
            role="tablist"
            aria-label="Object sections"
            className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800"
          >
            {TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                onClick={() => setTab(t)}
                className="border-b-2 border-transparent px-3 py-2 text-sm capitalize text-zinc-600 aria-selected:border-sky-600 aria-selected:font-medium aria-selected:text-zinc-900 dark:text-zinc-400 dark:aria-selected:text-white"
              >
                {t === 'yaml' ? 'YAML' : t}
                {t === 'events' && ownEvents.length ? ` (${ownEvents.length})` : ''}
              </button>
            ))}
          </div>
          <section role="tabpanel" aria-label={tab} className="space-y-4 text-sm">
            {tab === 'summary' ? (
              <Summary agentId={agentId} kind={kind} object={full.data.object} now={now} pods={childPods}>
                {children ? (
                  <RowLinks
                    agentId={agentId}
                    title={`${children.firstKind}s`}
                    resource={children.first}
                    rows={firstRows}
                  />
                ) : null}
                {wantsPods ? (
                  <RowLinks agentId={agentId} title="Pods" resource="pods" rows={childPods} />
                ) : null}
              </Summary>
            ) : null}
            {tab === 'yaml' ? <ObjectYaml object={full.data.object} name={object.name} /> : null}
            {tab === 'events' ? (
              ownEvents.length === 0 ? (
                <p className="text-zinc-600 dark:text-zinc-400">
                  No events for this object (Kubernetes keeps them for an hour).
                </p>
              ) : (
                <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label="Events">
                  {ownEvents.map((e) => (
                    <li key={e.uid} className="py-2">
                      <Badge tone={e.columns['type'] === 'Warning' ? 'warn' : 'muted'}>
                        {String(e.columns['type'] ?? 'Normal')}
                      </Badge>{' '}
                      <span className="font-medium">{String(e.columns['reason'] ?? '')}</span>{' '}
                      {String(e.columns['message'] ?? '')}{' '}
                      <span className="text-xs text-zinc-600 dark:text-zinc-400">
                        ×{String(e.columns['count'] ?? 1)},{' '}
                        {ago(String(e.columns['lastTimestamp'] ?? ''), now)}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            ) : null}
          </section>
        </>
      ) : null}
    </article>
  );
}

function RowLinks({
  agentId,
  title,
  resource,
  rows,
}: {
  agentId: number;
  title: string;
  resource: string;
  rows: readonly { name: string; namespace?: string; uid: string }[];
}) {
  return (
    <div>
      <h3 className="font-medium">{title}</h3>
      {rows.length === 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">None.</p>
      ) : (
        <ul className="list-inside list-disc">
          {rows.map((r) => (
            <li key={r.uid}>
              <Link
                className="text-sky-700 underline dark:text-sky-400"
                href={objectHref(agentId, {
                  resource,
                  name: r.name,
                  ...(r.namespace ? { namespace: r.namespace } : {}),
                })}
              >
                {r.name}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Summary({
  agentId,
  kind,
  object,
  now,
  pods,
  children,
}: {
  agentId: number;
  kind: string;
  object: Json;
  now: number;
  pods: Parameters<typeof statusInWords>[2];
  children: ReactNode;
}) {
  const metadata = obj(object['metadata']);
  const words = statusInWords(kind, object, pods);
  const ns = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined;
  const owners = arr(metadata['ownerReferences']).map(obj);
  const conditions = conditionsOf(object);
  return (
    <>
      <p data-testid="status-words">
        <Badge tone={words.tone}>{words.text}</Badge>
      </p>
      {owners.length ? (
        <p>
          Owned by{' '}
          {owners.map((o) => {
            const resource = RESOURCE_OF_KIND[String(o['kind'])];
            const label = `${String(o['kind'])} ${String(o['name'])}`;
            return resource ? (
              <Link
                key={String(o['uid'])}
                className="text-sky-700 underline dark:text-sky-400"
                href={objectHref(agentId, {
                  resource,
                  name: String(o['name']),
                  ...(ns ? { namespace: ns } : {}),
                })}
              >
                {label}
              </Link>
            ) : (
              <span key={String(o['uid'])}>{label}</span>
            );
          })}
        </p>
      ) : null}
      {conditions.length ? (
        <div>
          <h3 className="font-medium">Conditions</h3>
          <ul>
            {conditions.map((c) => (
              <li key={c.type}>
                <Badge tone={c.tone}>{`${c.type}: ${c.status}`}</Badge> {c.reason ?? ''} {c.message ?? ''}{' '}
                {c.since ? (
                  <span className="text-xs text-zinc-600 dark:text-zinc-400">since {ago(c.since, now)}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {kind === 'Pod' ? <Containers agentId={agentId} object={object} ns={ns ?? ''} /> : null}
      {children}
      <KeyValues title="Labels" values={obj(metadata['labels'])} />
      <KeyValues title="Annotations" values={obj(metadata['annotations'])} />
    </>
  );
}

function Containers({ agentId, object, ns }: { agentId: number; object: Json; ns: string }) {
  const pod = String(obj(object['metadata'])['name']);
  const statuses = new Map(
    arr(obj(object['status'])['containerStatuses']).map((s) => [String(obj(s)['name']), obj(s)]),
  );
  return (
    <div>
      <h3 className="font-medium">Containers</h3>
      <ul className="space-y-1">
        {arr(obj(object['spec'])['containers']).map((raw) => {
          const c = obj(raw);
          const name = String(c['name']);
          const s = statuses.get(name) ?? {};
          const state = obj(s['state']);
          const [stateName, detail] = Object.entries(state)[0] ?? ['unknown', {}];
          const why = String(obj(detail)['reason'] ?? '');
          return (
            <li key={name} className="break-all">
              <span className="font-medium">{name}</span> {stateName}
              {why ? ` (${why})` : ''}, {String(s['restartCount'] ?? 0)} restarts, {String(c['image'] ?? '')}{' '}
              ·{' '}
              <Link
                className="text-sky-700 underline dark:text-sky-400"
                href={logsHref(agentId, { ns, pod, container: name })}
              >
                Logs
              </Link>{' '}
              ·{' '}
              <Link
                className="text-sky-700 underline dark:text-sky-400"
                href={execHref(agentId, { ns, pod, container: name })}
              >
                Terminal
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function KeyValues({ title, values }: { title: string; values: Json }) {
  const entries = Object.entries(values);
  if (!entries.length) return null;
  return (
    <div>
      <h3 className="font-medium">{title}</h3>
      <ul className="space-y-0.5 text-xs">
        {entries.map(([k, v]) => {
          const text = String(v);
          return (
            <li key={k} className="break-all">
              <code>{k}</code>={' '}
              {text.length > 80 ? (
                <details className="inline">
                  <summary className="inline cursor-pointer">{`${text.slice(0, 60)}… (${text.length} characters)`}</summary>
                  <code>{text}</code>
                </details>
              ) : (
                <code>{text}</code>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
