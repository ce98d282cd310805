'use client';
// The developer landing (docs/explorer.md): every cluster you may reach, the namespaces you may see in each, and
// each cluster's health at a glance (cluster-summary.tsx, shared with the clusters overview), all from what your own
// access allows.
import { Badge, EmptyState, ErrorBanner } from '@mooring/ui';
import Link from 'next/link';

import { errorMessage } from '../../lib/errors';
import { clusterHref } from '../../lib/explorer/urls';
import { useObjectList } from '../../lib/explorer/use-object-list';
import { useLiveAgents, type AgentRow } from '../../lib/live';
import { usePageTitle } from '../../lib/page-title';
import { ClusterSummary } from './cluster-summary';

function MyNamespaces({ agentId }: { agentId: number }) {
  const list = useObjectList({ agentId, resource: 'namespaces' });
  if (list.error) return <p className="text-xs text-zinc-600 dark:text-zinc-400">{list.error}</p>;
  const names = list.access?.namespaces ?? (list.ready ? list.rows.map((r) => r.name).sort() : null);
  if (!names) return <p className="text-xs text-zinc-600 dark:text-zinc-400">Finding your namespaces…</p>;
  if (names.length === 0)
    return (
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        No namespace you may see: ask the cluster&apos;s admin for a RoleBinding.
      </p>
    );
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Namespaces">
      {names.slice(0, 200).map((ns) => (
        <li key={ns}>
          <Link
            href={clusterHref(agentId, { ns, view: 'workloads' })}
            className="inline-block rounded border border-zinc-200 px-2 py-0.5 text-sm text-sky-800 hover:bg-sky-50 dark:border-zinc-700 dark:text-sky-300 dark:hover:bg-sky-950"
          >
            {ns}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function ClusterCard({ agent }: { agent: AgentRow }) {
  const connected = (agent.live?.connections.length ?? 0) > 0;
  return (
    <li className="space-y-2 rounded border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="font-medium text-zinc-950 dark:text-white">
          <Link href={clusterHref(agent.id)} className="hover:underline">
            {agent.name}
          </Link>
        </h2>
        <span className="text-xs text-zinc-600 dark:text-zinc-400">{agent.projectPath}</span>
        <Badge tone={connected ? 'ok' : 'muted'}>{connected ? 'Connected' : 'Not connected'}</Badge>
      </div>
      {connected ? (
        <>
          <MyNamespaces agentId={agent.id} />
          <ClusterSummary agentId={agent.id} agentName={agent.name} layout="card" />
        </>
      ) : (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">
          Its objects show once agentk connects; the agent page says how to connect it.
        </p>
      )}
    </li>
  );
}

export function ExplorerHome() {
  usePageTitle('Explorer');
  const agents = useLiveAgents();
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold text-zinc-950 dark:text-white">My namespaces</h1>
      {agents.error ? <ErrorBanner message={errorMessage(agents.error)} /> : null}
      {agents.rows === undefined ? (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
          Loading clusters…
        </p>
      ) : agents.rows.length === 0 ? (
        <EmptyState title="No clusters you may reach">
          <p>
            Connect a cluster from the Clusters page, or ask a project&apos;s Maintainer to share an agent
            with you.
          </p>
        </EmptyState>
      ) : (
        <ul className="space-y-3">
          {agents.rows.slice(0, 100).map((a) => (
            <ClusterCard key={a.id} agent={a} />
          ))}
        </ul>
      )}
    </div>
  );
}
