'use client';
// The terminal page: which container (the pod's own list, through objects.get as the user), whether the user's RBAC
// allows pods/exec there (a SelfSubjectAccessReview, asked before any socket opens), then the terminal itself.
import { EmptyState, ErrorBanner, inputClass } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId } from 'react';

import { errorMessage } from '../../../lib/errors';
import { clusterHref, execHref, logsHref, objectHref } from '../../../lib/explorer/urls';
import { useCan } from '../../../lib/explorer/use-can';
import { usePageTitle } from '../../../lib/page-title';
import { useTRPC } from '../../../lib/trpc';
import { ObjectActions } from '../object-actions';
import { TerminalView } from './terminal-view';

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function ExecPage({
  agentId,
  ns,
  pod,
  container,
}: {
  agentId: number;
  ns: string | undefined;
  pod: string | undefined;
  container: string | undefined;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pickerId = useId();
  const valid = !!ns && !!pod && K8S_NAME.test(ns) && K8S_NAME.test(pod);
  const agent = useQuery(trpc.agents.get.queryOptions({ agentId }));
  const can = useCan(
    agentId,
    { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: ns ?? '' },
    { enabled: valid },
  );
  const object = useQuery({
    ...trpc.objects.get.queryOptions({ agentId, resource: 'pods', namespace: ns ?? '', name: pod ?? '' }),
    enabled: valid && can.answer === 'allowed',
  });
  usePageTitle(pod, 'Terminal', agent.data?.name);

  const spec = (object.data?.object['spec'] ?? {}) as { containers?: { name?: unknown }[] };
  const containers = (spec.containers ?? [])
    .map((c) => c.name)
    .filter((n): n is string => typeof n === 'string');
  const chosen = container && containers.includes(container) ? container : containers[0];

  const header = (
    <>
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-600 dark:text-zinc-400">
        <Link href={clusterHref(agentId)} className="hover:underline">
          {agent.data?.name ?? `Cluster ${agentId}`}
        </Link>
        {ns ? (
          <>
            {' / '}
            <Link href={clusterHref(agentId, { ns, view: 'pods' })} className="hover:underline">
              {ns}
            </Link>
          </>
        ) : null}
        {valid ? (
          <>
            {' / '}
            <Link
              href={objectHref(agentId, { resource: 'pods', namespace: ns, name: pod })}
              className="hover:underline"
            >
              {pod}
            </Link>
          </>
        ) : null}
        {' / '}
        <span aria-current="page">Terminal</span>
      </nav>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <h1 className="text-xl font-semibold tracking-tight break-all">
          Terminal
          {valid ? (
            <span className="text-base font-normal text-zinc-600 dark:text-zinc-400"> · {pod}</span>
          ) : null}
        </h1>
        {valid ? (
          <ObjectActions
            agentId={agentId}
            object={{ resource: 'pods', namespace: ns, name: pod }}
            terminalLink={false}
          />
        ) : null}
      </header>
    </>
  );

  let body;
  if (!valid) {
    body = (
      <EmptyState title="Which pod?">
        <p>
          This page needs a namespace and a pod in its address (<code>?ns=…&amp;pod=…</code>). Open a pod from
          the cluster&rsquo;s Pods view and choose <b>Terminal</b>.
        </p>
      </EmptyState>
    );
  } else if (can.answer === 'denied') {
    body = (
      <ErrorBanner
        title="Your Kubernetes RBAC does not allow a terminal here"
        message={`You may not create pods/exec in the namespace ${ns} of ${agent.data?.name ?? `cluster ${agentId}`}, so no terminal was opened. Ask a cluster administrator for a Role with the verb "create" on "pods/exec" in ${ns} (the built-in "edit" ClusterRole has it), bound to you.`}
      />
    );
  } else if (can.answer === 'unknown') {
    body = can.error ? (
      <ErrorBanner title="Could not check whether you may open a terminal" message={can.error} />
    ) : (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Checking whether you may open a terminal…</p>
    );
  } else if (object.error) {
    body = <ErrorBanner title={`Could not read the pod ${pod}`} message={errorMessage(object.error)} />;
  } else if (!object.data) {
    body = <p className="text-sm text-zinc-600 dark:text-zinc-400">Reading the pod…</p>;
  } else if (!chosen) {
    body = <EmptyState title="This pod has no containers">Nothing to open a terminal in.</EmptyState>;
  } else {
    body = (
      <div className="space-y-3">
        <div className="flex flex-wrap items-end gap-3">
          <div className="space-y-1">
            <label htmlFor={pickerId} className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              Container
            </label>
            <select
              id={pickerId}
              className={inputClass}
              value={chosen}
              onChange={(event) =>
                router.replace(execHref(agentId, { ns, pod, container: event.target.value }))
              }
            >
              {containers.map((name) => (
                <option key={name}>{name}</option>
              ))}
            </select>
          </div>
          <Link
            className="pb-2 text-sm text-sky-700 underline dark:text-sky-400"
            href={logsHref(agentId, { ns, pod, container: chosen })}
          >
            Logs of {chosen}
          </Link>
        </div>
        <TerminalView key={chosen} target={{ agentId, namespace: ns, pod, container: chosen }} />
      </div>
    );
  }
  return (
    <div className="space-y-4">
      {header}
      {body}
    </div>
  );
}
