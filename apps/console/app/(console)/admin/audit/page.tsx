'use client';
import { usePageTitle } from '../../../../lib/page-title';
import { Button, EmptyState, ErrorBanner, ScrollRegion, inputClass } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';

import { downloadText } from '../../../../lib/download';
import { errorMessage } from '../../../../lib/errors';
import { formatTime } from '../../../../lib/time';
import { useTRPC } from '../../../../lib/trpc';

interface AuditRow {
  createdAt: string;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  address: string | null;
  details: Record<string, unknown>;
}

const detailsText = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

function toCsv(rows: AuditRow[]): string {
  const cell = (v: string | null) => `"${(v ?? '').replaceAll('"', '""')}"`;
  return [
    'at,actor,action,target,address,details',
    ...rows.map((r) =>
      [r.createdAt, r.actorName, r.action, `${r.targetType} ${r.targetId}`, r.address, detailsText(r.details)]
        .map(cell)
        .join(','),
    ),
  ].join('\n');
}

export default function AuditPage() {
  usePageTitle('Audit log');
  const trpc = useTRPC();
  const [filters, setFilters] = useState({ actor: '', action: '', target: '' });
  const deferred = useDeferredValue(filters);
  // The operation's names: `actor` matches part of the name, `targetType` exactly.
  const input = {
    ...(deferred.actor.trim() ? { actor: deferred.actor.trim() } : {}),
    ...(deferred.action.trim() ? { action: deferred.action.trim() } : {}),
    ...(deferred.target.trim() ? { targetType: deferred.target.trim() } : {}),
  };
  const audit = useQuery({ ...trpc.audit.list.queryOptions(input), placeholderData: (previous) => previous });

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Audit log</h1>
      <div className="flex flex-wrap items-end gap-3">
        {(
          [
            ['actor', 'Actor', 'part of a username'],
            ['action', 'Action', 'e.g. agent_token.create'],
            ['target', 'Target type', 'e.g. agent'],
          ] as const
        ).map(([key, label, placeholder]) => (
          <div key={key} className="space-y-1">
            <label htmlFor={`audit-${key}`} className="block text-sm font-medium">
              {label}
            </label>
            <input
              id={`audit-${key}`}
              type="search"
              className={`${inputClass} w-48`}
              value={filters[key]}
              onChange={(e) => setFilters((f) => ({ ...f, [key]: e.target.value }))}
              placeholder={placeholder}
            />
          </div>
        ))}
        <Button
          disabled={!audit.data?.length}
          onClick={() => downloadText('mooring-audit.csv', toCsv(audit.data ?? []), 'text/csv')}
        >
          Export CSV
        </Button>
      </div>
      {audit.error ? (
        <ErrorBanner title="Could not load the audit log" message={errorMessage(audit.error)} />
      ) : null}
      {audit.data?.length === 0 ? (
        <EmptyState title="No matching entries">
          Every change made through the API, every sign-in and failed sign-in and every refused action is
          recorded here; loosen the filters to see more.
        </EmptyState>
      ) : null}
      {audit.data && audit.data.length > 0 ? (
        <ScrollRegion
          label="Audit log entries"
          className="rounded border border-zinc-200 dark:border-zinc-800"
        >
          <table className="w-full text-left text-sm" data-testid="audit-table">
            <thead className="sticky top-0 bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
              <tr>
                {['When', 'Who', 'What', 'Target', 'From', 'Details'].map((h) => (
                  <th key={h} scope="col" className="px-3 py-2 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 bg-white dark:divide-zinc-800 dark:bg-zinc-900">
              {audit.data.map((r) => (
                <tr key={`${r.createdAt}-${r.action}-${r.targetId}`}>
                  <td className="whitespace-nowrap px-3 py-1.5 text-xs">{formatTime(r.createdAt)}</td>
                  <td className="px-3 py-1.5">{r.actorName}</td>
                  <td className="px-3 py-1.5 font-mono text-xs">{r.action}</td>
                  <td className="px-3 py-1.5">
                    {r.targetType} {r.targetId}
                  </td>
                  <td className="px-3 py-1.5 text-xs text-zinc-600 dark:text-zinc-400">{r.address ?? '—'}</td>
                  <td className="px-3 py-1.5 text-xs text-zinc-600 dark:text-zinc-400">
                    {detailsText(r.details)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </div>
  );
}
