'use client';
import { usePageTitle } from '../../lib/page-title';
import { ErrorBanner } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';

import { ClustersTable } from '../../components/clusters-table';
import { LiveDot } from '../../components/live-dot';
import { errorMessage } from '../../lib/errors';
import { useLiveAgents } from '../../lib/live';
import { useTRPC } from '../../lib/trpc';

export default function ClustersPage() {
  usePageTitle('Clusters');
  const trpc = useTRPC();
  const meta = useQuery(trpc.meta.version.queryOptions({}));
  const agents = useLiveAgents();
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold tracking-tight">Clusters</h1>
        <LiveDot
          state={agents.liveState}
          error={agents.liveError ? { message: errorMessage(agents.liveError) } : null}
        />
      </div>
      {agents.error ? (
        <ErrorBanner title="Could not load the clusters" message={errorMessage(agents.error)} />
      ) : null}
      {agents.rows ? (
        <ClustersTable
          agents={agents.rows}
          kasVersion={meta.data?.kasVersion ?? null}
          history={agents.history}
        />
      ) : agents.isPending ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading clusters…</p>
      ) : null}
    </div>
  );
}
