'use client';
import { Button, EmptyState, ErrorBanner, Notice, SimpleTable } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';

import { downloadText } from '../../../lib/download';
import { errorMessage } from '../../../lib/errors';
import { usePageTitle } from '../../../lib/page-title';
import { useTRPC } from '../../../lib/trpc';

const expiries = [1, 7, 30, 90] as const;

/**
 * One click to a kubeconfig for every agent the user may use (like `glab cluster agent update-kubeconfig`): kas
 * mints the token for it (scope k8s_proxy, with an expiry), so no detour through the Tokens page.
 */
export default function KubeconfigPage() {
  usePageTitle('Get a kubeconfig');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const reachable = useQuery(trpc.kubeconfig.agents.queryOptions({}));
  // Agents left out by the user; everything else is in the file.
  const [leftOut, setLeftOut] = useState<ReadonlySet<number>>(new Set());
  const [days, setDays] = useState<(typeof expiries)[number]>(30);
  const create = useMutation(
    trpc.kubeconfig.create.mutationOptions({
      onSuccess: (made) => {
        downloadText(made.filename, made.yaml, 'application/yaml');
        void queryClient.invalidateQueries({ queryKey: trpc.personalAccessTokens.list.queryKey({}) });
      },
    }),
  );
  const agents = reachable.data ?? [];
  const chosen = agents.filter((a) => !leftOut.has(a.agentId));
  const toggle = (agentId: number) =>
    setLeftOut((s) => {
      const next = new Set(s);
      if (!next.delete(agentId)) next.add(agentId);
      return next;
    });

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Get a kubeconfig</h1>
      <p className="max-w-2xl text-sm text-zinc-600 dark:text-zinc-300">
        One file with a context per agent you may use through the Kubernetes API proxy, each starting in the
        namespace the agent&apos;s <code>user_access</code> names for you. kas creates a personal access token
        for it (scope <code>k8s_proxy</code> only); it is listed under <Link href="/tokens">Tokens</Link>,
        where you can revoke it.
      </p>
      {reachable.error ? (
        <ErrorBanner title="Could not list your agents" message={errorMessage(reachable.error)} />
      ) : null}
      {reachable.data && agents.length === 0 ? (
        <EmptyState title="No agent you may use yet">
          Ask a Maintainer of the project that registered the agent to make you Developer there, or to list
          your project or group under <code>user_access</code> in the agent&apos;s configuration.
        </EmptyState>
      ) : null}
      {agents.length > 0 ? (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ agentIds: chosen.map((a) => a.agentId), expiresInDays: days });
          }}
        >
          <SimpleTable columns={['', 'Context', 'Agent', 'Default namespace']} testId="kubeconfig-agents">
            {agents.map((a) => (
              <tr key={a.agentId}>
                <td className="w-8 py-1.5">
                  <input
                    type="checkbox"
                    aria-label={`Include ${a.context}`}
                    checked={!leftOut.has(a.agentId)}
                    onChange={() => toggle(a.agentId)}
                  />
                </td>
                <td className="font-mono text-xs">{a.context}</td>
                <td>
                  <Link href={`/agents/${a.agentId}`} className="hover:underline">
                    {a.agentName}
                  </Link>
                </td>
                <td>
                  {a.defaultNamespace ?? <span className="text-zinc-600 dark:text-zinc-300">none</span>}
                </td>
              </tr>
            ))}
          </SimpleTable>
          <label className="flex items-center gap-2 text-sm">
            Token expires in
            <select
              className="rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
              value={days}
              onChange={(e) => setDays(Number(e.target.value) as (typeof expiries)[number])}
            >
              {expiries.map((d) => (
                <option key={d} value={d}>
                  {d === 1 ? '1 day' : `${d} days`}
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" variant="primary" disabled={chosen.length === 0 || create.isPending}>
            {create.isPending ? 'Creating…' : 'Create token and download kubeconfig'}
          </Button>
        </form>
      ) : null}
      {create.error ? (
        <ErrorBanner title="Could not make the kubeconfig" message={errorMessage(create.error)} />
      ) : null}
      {create.data ? (
        <div className="max-w-2xl space-y-2" data-testid="kubeconfig-made">
          <Notice>
            Downloaded {create.data.filename} with {create.data.contexts.length} context
            {create.data.contexts.length === 1 ? '' : 's'}; its token &ldquo;{create.data.token.name}&rdquo;
            expires on {create.data.token.expiresAt?.slice(0, 10)}. Keep the file private (it holds the
            token).
          </Notice>
          <pre
            tabIndex={0}
            className="overflow-x-auto rounded bg-zinc-100 px-3 py-2 font-mono text-xs dark:bg-zinc-800"
          >
            {`chmod 600 ~/Downloads/${create.data.filename}\nexport KUBECONFIG=~/Downloads/${create.data.filename}\nkubectl config get-contexts\nkubectl --context ${create.data.contexts[0]?.context ?? ''} get pods`}
          </pre>
        </div>
      ) : null}
    </div>
  );
}
