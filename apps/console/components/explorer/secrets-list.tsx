'use client';
// Secrets by name and type only. object_watch never carries Secrets, so this one list asks the cluster itself,
// through the proxy as the user, for the server-side Table with `includeObject=None`: the answer holds the columns
// kubectl shows (name, type, number of keys, age) and no value ever reaches the browser.
import { ErrorBanner } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';

import { k8sErrorMessage, k8sFetch } from '../../lib/explorer/k8s-fetch';

interface SecretTable {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

export function SecretsList({ agentId, namespace }: { agentId: number; namespace: string | undefined }) {
  const path = namespace
    ? (`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?includeObject=None&limit=500` as const)
    : ('/api/v1/secrets?includeObject=None&limit=500' as const);
  const table = useQuery({
    queryKey: ['k8s', agentId, 'secrets-table', namespace ?? ''],
    queryFn: async ({ signal }) => {
      const response = await k8sFetch(agentId, path, {
        signal,
        headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      });
      if (!response.ok) throw new Error(await k8sErrorMessage(response));
      return (await response.json()) as SecretTable;
    },
    retry: false,
    staleTime: 30_000,
  });
  if (table.error) return <ErrorBanner title="Secrets cannot be listed" message={table.error.message} />;
  if (!table.data) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading secrets…</p>;
  const column = (name: string) => table.data.columnDefinitions.findIndex((c) => c.name === name);
  const [nameAt, typeAt, dataAt] = [column('Name'), column('Type'), column('Data')];
  const rows = table.data.rows.slice(0, 500);
  return (
    <table aria-label="Secrets" className="w-full text-left text-sm">
      <caption className="mb-1 text-left text-xs text-zinc-600 dark:text-zinc-400">
        Secrets show their name and type only; their values never leave the cluster this way.
      </caption>
      <thead className="text-xs text-zinc-600 dark:text-zinc-400">
        <tr>
          <th className="px-3 py-1 font-medium">Name</th>
          <th className="px-3 py-1 font-medium">Type</th>
          <th className="px-3 py-1 font-medium">Keys</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={3} className="px-3 py-2 text-zinc-600 dark:text-zinc-400">
              No secrets here.
            </td>
          </tr>
        ) : (
          rows.map((r, i) => (
            <tr key={i} className="border-t border-zinc-100 dark:border-zinc-800">
              <td className="px-3 py-1 font-medium">{String(r.cells[nameAt] ?? '')}</td>
              <td className="px-3 py-1">{String(r.cells[typeAt] ?? '')}</td>
              <td className="px-3 py-1">{String(r.cells[dataAt] ?? '')}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
