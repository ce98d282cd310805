'use client';
// One cluster's explorer (docs/explorer.md, "Opening a cluster"): a namespace picker offering only what the user may
// see, a tab per view, the view's kinds one at a time in a live virtualised list, and the open object in a drawer. Every
// choice lives in the URL (lib/explorer/urls.ts), so a link reproduces the view.
import { EmptyState, ErrorBanner, inputClass, Notice } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';

import {
  EXPLORER_VIEWS,
  clusterHref,
  parseObjectKey,
  type ExplorerView,
  type ObjectRef,
} from '../../lib/explorer/urls';
import { CUSTOM_RESOURCE_PATTERN, customResourceTitle } from '../../lib/explorer/custom-resources';
import { useObjectList } from '../../lib/explorer/use-object-list';
import { usePageTitle } from '../../lib/page-title';
import { useTRPC } from '../../lib/trpc';
import { ObjectDetail } from './object-detail';
import { CrdPicker } from './crd-picker';
import { ObjectTable } from './object-table';
import { SecretsList } from './secrets-list';
import { pluralKind, VIEW_LABELS, viewResources, type ListResource } from './views';

export function ClusterExplorer({ agentId }: { agentId: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const search = useSearchParams();
  const viewParam = search.get('view');
  const view: ExplorerView = (EXPLORER_VIEWS as readonly string[]).includes(viewParam ?? '')
    ? (viewParam as ExplorerView)
    : 'workloads';
  const ns = search.get('ns') || undefined;
  const crd = search.get('resource') ?? '';
  const open = parseObjectKey(search.get('open'));
  const [filter, setFilter] = useState(search.get('q') ?? '');
  const filterBox = useRef<HTMLInputElement>(null);
  const pickerId = useId();
  const agent = useQuery(trpc.agents.get.queryOptions({ agentId }));
  usePageTitle(VIEW_LABELS[view], ns, agent.data?.name, 'Explorer');

  const go = useCallback(
    (next: {
      view?: ExplorerView;
      ns?: string | undefined;
      q?: string;
      resource?: string;
      object?: ObjectRef | null;
    }) => {
      const href = clusterHref(agentId, {
        view: next.view ?? view,
        ...(('ns' in next ? next.ns : ns) ? { ns: ('ns' in next ? next.ns : ns)! } : {}),
        ...((next.q ?? filter) ? { q: next.q ?? filter } : {}),
        ...((next.resource ?? crd) ? { resource: next.resource ?? crd } : {}),
        ...(next.object === null ? {} : (next.object ?? open) ? { object: (next.object ?? open)! } : {}),
      });
      router.replace(href, { scroll: false });
    },
    [agentId, view, ns, filter, crd, open, router],
  );

  // The URL follows the filter a moment after typing stops; the list itself filters on every keystroke.
  useEffect(() => {
    if ((search.get('q') ?? '') === filter) return;
    const timer = setTimeout(() => go({ q: filter }), 300);
    return () => clearTimeout(timer);
  }, [filter, search, go]);

  // `/` focuses the filter; Escape closes the drawer.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === '/' && !typing) {
        e.preventDefault();
        filterBox.current?.focus();
      } else if (e.key === 'Escape' && open) {
        go({ object: null });
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open, go]);

  const namespaces = useObjectList({ agentId, resource: 'namespaces' });
  const restricted = namespaces.access
    ? !namespaces.access.actsAsAgent && namespaces.access.namespaces !== null
    : false;
  const namespaceOptions = useMemo(() => {
    const names = namespaces.access?.namespaces
      ? [...namespaces.access.namespaces]
      : namespaces.rows.map((r) => r.name).sort();
    // The address's namespace is shown before the list arrives (else the picker says "All namespaces" meanwhile).
    return ns && !names.includes(ns) ? [ns, ...names] : names;
  }, [namespaces.access, namespaces.rows, ns]);
  // Nodes are cluster-wide: a user who may only see some namespaces is not offered them, nor is anyone before the
  // cluster has said which namespaces they may see (a link that then vanishes).
  const views = EXPLORER_VIEWS.filter((v) => !(v === 'nodes' && (restricted || !namespaces.access)));

  const viewKinds = useMemo(
    () => viewResources(view, CUSTOM_RESOURCE_PATTERN.test(crd) ? crd : undefined),
    [view, crd],
  );
  // One kind at a time: each list is one live stream, and a browser opens at most six HTTP/1.1 connections to the
  // console (docs/decisions.md, "The explorer lists one kind at a time").
  const current: ListResource | undefined =
    view === 'crd' ? viewKinds[0] : (viewKinds.find((r) => r.resource === crd) ?? viewKinds[0]);
  const clusterScoped = view === 'nodes';
  const list = useObjectList({
    agentId,
    resource: current?.resource ?? 'pods',
    ...(ns && !clusterScoped ? { namespace: ns } : {}),
    enabled: !!current,
  });
  // The store's rows as they are: a copy of every row per change (to tag it with its resource) was 50,000 new
  // objects, and their garbage, each time a pod changed.
  const rows = list.rows;
  const selectedUid = useMemo(
    () => (open ? rows.find((r) => r.name === open.name && r.namespace === open.namespace)?.uid : undefined),
    [rows, open?.name, open?.namespace],
  );
  const ready = list.ready || !!list.health || !!list.error;
  const problem = list.error ?? list.health?.message ?? null;
  const actsAsAgent = !!list.access?.actsAsAgent;
  // A CRD's kind is whatever discovery answers; its plural is the name we have.
  const kindLabel = current
    ? view === 'crd'
      ? customResourceTitle(current.resource)
      : pluralKind(current.kind)
    : VIEW_LABELS[view];
  const where = clusterScoped ? 'this cluster' : ns ? `namespace ${ns}` : 'any namespace you may see';

  return (
    <div className="flex gap-4">
      <div className="min-w-0 flex-1 space-y-3">
        <nav aria-label="Breadcrumb" className="text-xs text-zinc-600 dark:text-zinc-400">
          <Link href="/explorer" className="hover:underline">
            Explorer
          </Link>
          {' / '}
          <span aria-current="page">{agent.data?.name ?? `Cluster ${agentId}`}</span>
        </nav>
        <div className="flex flex-wrap items-end gap-3">
          <h1 className="text-xl font-semibold text-zinc-950 dark:text-white">
            {agent.data?.name ?? `Cluster ${agentId}`}
          </h1>
          <label htmlFor={pickerId} className="ml-auto text-sm text-zinc-700 dark:text-zinc-300">
            Namespace{' '}
            <select
              id={pickerId}
              className={`${inputClass} w-auto`}
              value={ns ?? ''}
              disabled={clusterScoped}
              onChange={(e) => go({ ns: e.target.value || undefined, object: null })}
            >
              <option value="">{restricted ? 'All my namespaces' : 'All namespaces'}</option>
              {namespaceOptions.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm text-zinc-700 dark:text-zinc-300">
            Filter{' '}
            <input
              ref={filterBox}
              type="search"
              maxLength={200}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder="name or app=web (press /)"
              className={`${inputClass} w-56`}
            />
          </label>
        </div>
        <nav
          aria-label="Views"
          className="flex flex-wrap gap-1 border-b border-zinc-200 dark:border-zinc-800"
        >
          {views.map((v) => (
            <Link
              key={v}
              href={clusterHref(agentId, { view: v, ...(ns ? { ns } : {}) })}
              aria-current={v === view ? 'page' : undefined}
              scroll={false}
              className="rounded-t px-3 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 aria-[current=page]:border-b-2 aria-[current=page]:border-sky-600 aria-[current=page]:font-medium aria-[current=page]:text-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:text-white"
            >
              {VIEW_LABELS[v]}
            </Link>
          ))}
        </nav>
        {actsAsAgent ? (
          <Notice>
            You see this cluster as agentk&apos;s service account (the agent&apos;s configuration says
            access_as agent), not with your own Kubernetes RBAC.
          </Notice>
        ) : null}
        {view === 'crd' ? (
          <CrdPicker
            agentId={agentId}
            ns={ns}
            current={crd}
            onType={(resource) => go({ resource, object: null })}
          />
        ) : null}
        {viewKinds.length > 1 ? (
          <nav aria-label="Kinds" className="flex flex-wrap gap-1">
            {viewKinds.map((r) => (
              <Link
                key={r.resource}
                href={clusterHref(agentId, { view, ...(ns ? { ns } : {}), resource: r.resource })}
                aria-current={r.resource === current?.resource ? 'page' : undefined}
                scroll={false}
                className="rounded-full border border-zinc-200 px-2.5 py-0.5 text-xs text-zinc-700 hover:bg-zinc-100 aria-[current=page]:border-sky-600 aria-[current=page]:bg-sky-50 aria-[current=page]:font-medium aria-[current=page]:text-sky-900 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-sky-950 dark:aria-[current=page]:text-sky-200"
              >
                {pluralKind(r.kind)}
              </Link>
            ))}
          </nav>
        ) : null}
        {problem && current ? <ErrorBanner title={`${kindLabel} cannot be shown`} message={problem} /> : null}
        {!current ? null : !ready ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" role="status">
            Loading {kindLabel.toLowerCase()} in {where}…
          </p>
        ) : rows.length === 0 && !problem ? (
          <EmptyState title={`No ${kindLabel.toLowerCase()} in ${where}`}>
            <p>
              Nothing of this kind exists here yet. Deploy with kubectl through this cluster&apos;s kubeconfig
              (the agent page&apos;s Download kubeconfig), or pick another namespace or kind.
            </p>
          </EmptyState>
        ) : (
          <ObjectTable
            label={`${kindLabel} in ${where}`}
            rows={rows}
            columns={current.columns}
            filter={filter}
            showNamespace={!ns && !clusterScoped}
            selectedUid={selectedUid}
            onOpen={(row) =>
              go({
                object: {
                  resource: current.resource,
                  ...(row.namespace ? { namespace: row.namespace } : {}),
                  name: row.name,
                },
              })
            }
            {...(view === 'events' ? { defaultSort: { id: 'type', desc: false } } : {})}
          />
        )}
        {view === 'config' ? (
          <section aria-label="Secrets" className="pt-2">
            <h2 className="mb-1 text-sm font-medium text-zinc-900 dark:text-zinc-100">Secrets</h2>
            <SecretsList agentId={agentId} namespace={ns} />
          </section>
        ) : null}
      </div>
      {open ? (
        <aside
          aria-label={`${open.name} details`}
          className="fixed inset-0 z-30 overflow-auto bg-white p-4 shadow-xl sm:static sm:inset-auto sm:z-auto sm:w-[28rem] sm:shrink-0 sm:rounded sm:border sm:border-zinc-200 dark:bg-zinc-950 sm:dark:border-zinc-800"
        >
          <ObjectDetail
            key={`${open.resource}|${open.namespace}|${open.name}`}
            agentId={agentId}
            object={open}
            onClose={() => go({ object: null })}
          />
        </aside>
      ) : null}
    </div>
  );
}
