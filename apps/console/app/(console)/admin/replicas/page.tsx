'use client';
import { usePageTitle } from '../../../../lib/page-title';
import { Badge, Button, EmptyState, ErrorBanner, Notice, SimpleTable, type Tone } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';

import { errorMessage } from '../../../../lib/errors';
import { ago, formatTime } from '../../../../lib/time';
import { useTRPC } from '../../../../lib/trpc';
import { useNow } from '../../../../lib/use-now';

type State = 'ready' | 'not_ready' | 'not_reporting';

const states: Record<State, { tone: Tone; label: string }> = {
  ready: { tone: 'ok', label: 'Ready' },
  not_ready: { tone: 'bad', label: 'Not ready' },
  not_reporting: { tone: 'warn', label: 'Not reporting' },
};

/** The kas replicas as the answering one sees them: read on opening and on Refresh (kas announces no changes). */
export default function ReplicasPage() {
  usePageTitle('Replicas');
  const trpc = useTRPC();
  const now = useNow();
  const me = useQuery(trpc.session.me.queryOptions({}));
  const isAdmin = me.data?.user.isAdmin === true;
  const replicas = useQuery({ ...trpc.replicas.list.queryOptions({}), enabled: isAdmin });
  const data = replicas.data;

  if (me.data && !isAdmin)
    return (
      <ErrorBanner
        title="Replicas are shown to administrators"
        message="The list of kas replicas needs an administrator account; ask an administrator."
      />
    );

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold tracking-tight">Replicas</h1>
        <Button onClick={() => void replicas.refetch()} disabled={replicas.isFetching}>
          {replicas.isFetching ? 'Refreshing…' : 'Refresh'}
        </Button>
      </div>
      <p className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
        Every kas process serving this installation, as the replica that answered sees it: each reports its
        own readiness (its <code>/readyz</code>), the agents and tunnels it holds, every 5 seconds through
        Redis.
      </p>
      {replicas.error ? (
        <ErrorBanner title="Could not list the replicas" message={errorMessage(replicas.error)} />
      ) : null}
      {data?.problem ? <ErrorBanner title="Only this replica is listed" message={data.problem} /> : null}
      {data && !data.shared ? (
        <Notice>
          This kas runs alone (no <code>REDIS_URL</code>). To run several replicas behind a load balancer,
          give every one the same <code>DATABASE_URL</code>, <code>MOORING_SECRET</code> and{' '}
          <code>REDIS_URL</code>; they then list each other here (docs/replicas.md).
        </Notice>
      ) : null}
      {data && data.total > data.replicas.length ? (
        <Notice>
          Showing {data.replicas.length} of {data.total} replicas (at most {data.limit} are listed).
        </Notice>
      ) : null}
      {data?.replicas.length === 0 ? (
        <EmptyState title="No replicas">
          kas answered without listing itself; restart it with its default modules (kas_routing lists the
          replicas).
        </EmptyState>
      ) : null}
      {data && data.replicas.length > 0 ? (
        <SimpleTable
          label="kas replicas"
          testId="replicas-table"
          className="min-w-[40rem]"
          columns={[
            'Replica',
            'Readiness',
            { label: 'Agents', className: 'text-right' },
            { label: 'Tunnels', className: 'text-right' },
            'Private API',
            'Last seen',
          ]}
        >
          {data.replicas.map((r) => {
            const state = states[r.state];
            return (
              <tr key={r.name} data-replica={r.name} data-state={r.state} className="align-top">
                <th scope="row" className="py-1.5 pr-3 text-left font-medium">
                  <span className="font-mono text-xs">{r.name}</span>
                  {r.self ? (
                    <span className="ml-1 text-xs font-normal text-zinc-600 dark:text-zinc-400">
                      (answered)
                    </span>
                  ) : null}
                </th>
                <td className="py-1.5 pr-3">
                  <Badge tone={state.tone}>{state.label}</Badge>
                  {r.reason ? (
                    <p className="mt-1 max-w-sm break-words text-xs text-zinc-700 dark:text-zinc-300">
                      {r.reason}
                    </p>
                  ) : null}
                </td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{r.agents}</td>
                <td className="py-1.5 pr-3 text-right tabular-nums">{r.tunnels}</td>
                <td className="py-1.5 pr-3 font-mono text-xs">{r.privateApiUrl ?? '—'}</td>
                <td className="whitespace-nowrap py-1.5 text-xs" title={formatTime(r.lastSeenAt)}>
                  {r.self ? 'now' : ago(r.lastSeenAt, now)}
                </td>
              </tr>
            );
          })}
        </SimpleTable>
      ) : null}
    </div>
  );
}
