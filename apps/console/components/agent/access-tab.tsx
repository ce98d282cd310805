'use client';
import { EmptyState, ErrorBanner } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';

import { describeAccess } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import type { PolicyAction } from '../allowed';
import { AgentTabLink } from './agent-tabs';

/** Who may use this agent, read from its live configuration (ci_access and user_access). */
export function AccessTab({
  agentId,
  projectPath,
  actions,
}: {
  agentId: number;
  projectPath: string;
  actions: readonly PolicyAction[];
}) {
  const trpc = useTRPC();
  const live = useQuery(trpc.agentConfigs.get.queryOptions({ agentId }));
  if (live.error)
    return <ErrorBanner title="Could not load the configuration" message={errorMessage(live.error)} />;
  if (live.isPending) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>;
  // Sharing is a configuration change: say who makes it when you may not.
  const configure = actions.includes('agent:write_config') ? (
    <AgentTabLink className="text-sky-700 underline dark:text-sky-400" agentId={agentId} tab="configuration">
      Configuration
    </AgentTabLink>
  ) : (
    <>Configuration (a Maintainer of {projectPath} saves it)</>
  );
  if (!live.data) {
    return (
      <EmptyState title="Only this agent’s own project may use it">
        <p>
          Without a configuration, CI jobs of {projectPath} may use the agent as itself. Share it with other
          projects and groups under {configure} (<code>ci_access</code>, <code>user_access</code>).
        </p>
      </EmptyState>
    );
  }
  const rows = describeAccess(live.data.yaml);
  if (rows === null)
    return (
      <ErrorBanner
        title="The live configuration could not be read"
        message="Open the Configuration tab to see its errors."
      />
    );
  if (rows.length === 0) {
    return (
      <EmptyState title={`Version ${live.data.version} shares this agent with no one`}>
        <p>Add projects or groups under {configure}.</p>
      </EmptyState>
    );
  }
  return (
    <div className="space-y-2">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        From configuration version {live.data.version}.
      </p>
      <table className="w-full max-w-4xl text-left text-sm" data-testid="access-table">
        <thead className="text-xs text-zinc-600 dark:text-zinc-400">
          <tr>
            <th className="py-1">Who</th>
            <th>Kind</th>
            <th>Acts as</th>
            <th>Namespace / environments</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((r, i) => (
            <tr key={i}>
              <td className="py-1.5">
                <span className="text-xs text-zinc-600 dark:text-zinc-400">{r.targetType}</span>{' '}
                {r.targetPath}
              </td>
              <td>{r.kind === 'ci_access' ? 'CI jobs' : 'Users'}</td>
              <td>{r.accessAs}</td>
              <td className="text-zinc-600 dark:text-zinc-400">{r.scope || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
