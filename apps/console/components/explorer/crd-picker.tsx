'use client';
// The Custom resources view's picker (docs/explorer.md): the CRDs this agent's object_watch watches
// (objects.resources, from its live configuration) as links, and a typed group/version/plural for anything else — a
// deep link (`?view=crd&resource=…`) opens whatever it names either way.
import { ErrorBanner, inputClass } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId } from 'react';

import { errorMessage } from '../../lib/errors';
import { CUSTOM_RESOURCE_PATTERN, customResourceChoices } from '../../lib/explorer/custom-resources';
import { clusterHref } from '../../lib/explorer/urls';
import { useTRPC } from '../../lib/trpc';

const muted = 'text-sm text-zinc-600 dark:text-zinc-400';

export function CrdPicker({
  agentId,
  ns,
  current,
  onType,
}: {
  agentId: number;
  ns: string | undefined;
  /** The resource the URL names ('' for none). */
  current: string;
  onType: (resource: string) => void;
}) {
  const trpc = useTRPC();
  const inputId = useId();
  const watched = useQuery({
    ...trpc.objects.resources.queryOptions({ agentId }),
    retry: false,
    staleTime: 60_000,
  });
  const choices = watched.data ? customResourceChoices(watched.data.resources) : null;

  return (
    <div className="space-y-2">
      {watched.error ? (
        <ErrorBanner
          title="Cannot say which custom resources this agent watches"
          message={`${errorMessage(watched.error)}. Type one below instead.`}
        />
      ) : !choices ? (
        <p role="status" className={muted}>
          Finding the custom resources this agent watches…
        </p>
      ) : choices.length === 0 ? (
        <p className={muted}>
          This agent watches no custom resources: its configuration&apos;s <code>object_watch.resources</code>{' '}
          {watched.data?.configured ? 'names' : 'is absent, so it watches'} only built-in kinds. Add one there
          as group/version/plural (e.g. cert-manager.io/v1/certificates), or type one below.
        </p>
      ) : (
        <nav aria-label="Watched custom resources" className="flex flex-wrap gap-1">
          {choices.map((c) => (
            <Link
              key={c.id}
              href={clusterHref(agentId, { view: 'crd', ...(ns ? { ns } : {}), resource: c.id })}
              aria-current={c.id === current ? 'page' : undefined}
              scroll={false}
              className="rounded-full border border-zinc-200 px-2.5 py-0.5 text-xs text-zinc-700 hover:bg-zinc-100 aria-[current=page]:border-sky-600 aria-[current=page]:bg-sky-50 aria-[current=page]:font-medium aria-[current=page]:text-sky-900 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-sky-950 dark:aria-[current=page]:text-sky-200"
            >
              {c.title} <span className="text-zinc-600 dark:text-zinc-400">{c.groupVersion}</span>
            </Link>
          ))}
        </nav>
      )}
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('resource');
          onType(typeof value === 'string' ? value.trim() : '');
        }}
      >
        <label htmlFor={inputId} className="text-sm text-zinc-700 dark:text-zinc-300">
          {choices?.length ? 'Another resource' : 'Resource'} (group/version/plural){' '}
          <input
            // A pick above changes the URL: the box shows what is open.
            key={current}
            id={inputId}
            name="resource"
            defaultValue={current}
            placeholder="example.com/v1/widgets"
            maxLength={300}
            className={`${inputClass} w-72 max-w-full`}
          />
        </label>
        <button
          type="submit"
          className="rounded bg-zinc-900 px-3 py-1.5 text-sm text-white dark:bg-zinc-100 dark:text-zinc-900"
        >
          Show
        </button>
        {current && !CUSTOM_RESOURCE_PATTERN.test(current) ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            “{current}” is not group/version/plural, e.g. example.com/v1/widgets.
          </p>
        ) : null}
      </form>
      {!current && choices?.length ? (
        <p className={muted}>Pick a custom resource above to list its objects.</p>
      ) : null}
    </div>
  );
}
