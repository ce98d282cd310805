'use client';
import { downloadText } from '../../lib/download';
import { usePageTitle } from '../../lib/page-title';
import { Badge, Button, Dialog, ErrorBanner, Field, Tooltip } from '@mooring/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

import { agentStatus, supportLabel, supportTone, versionView } from '../../lib/agent-status';
import { errorMessage } from '../../lib/errors';
import { clusterHref } from '../../lib/explorer/urls';
import { useLiveAgents, type AgentRow } from '../../lib/live';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { useNow } from '../../lib/use-now';
import { Allowed } from '../allowed';
import { LiveDot } from '../live-dot';
import { ActivityTab } from './activity-tab';
import { AgentTabLink, agentTabs, showAgentTab, useAgentTab } from './agent-tabs';
import { ConnectTab } from './connect-tab';
import { AccessTab, ConfigTab, ReceptiveTab } from './lazy-tabs';
import { OverviewTab } from './overview-tab';
import { usePrefetchAgentTabs } from './prefetch-agent-tabs';
import { TokensTab } from './tokens-tab';

/** What kas writes where the token goes (PAT_PLACEHOLDER in apps/kas/src/trpc/live.ts). */
const patPlaceholder = 'REPLACE_WITH_A_PERSONAL_ACCESS_TOKEN_WITH_SCOPE_k8s_proxy';

// No Suspense boundary here: the route renders per request, so useSearchParams needs none, and a boundary hydrates
// after the shell, which sent agents.get in a later request than the shell's session.me (~30 ms later).
export function AgentPage({ agentId }: { agentId: number }) {
  return <AgentPageInner agentId={agentId} />;
}

function AgentPageInner({ agentId }: { agentId: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const now = useNow();
  const tab = useAgentTab();
  const agent = useQuery(trpc.agents.get.queryOptions({ agentId }));
  usePrefetchAgentTabs(agentId, tab, agent.isSuccess);
  usePageTitle(agent.data?.name, 'Agent');
  const meta = useQuery(trpc.meta.version.queryOptions({}));
  const live = useLiveAgents(agentId);
  const history = live.history.get(agentId) ?? [];
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [kubeconfigOpen, setKubeconfigOpen] = useState(false);
  const remove = useMutation(
    trpc.agents.delete.mutationOptions({
      onSuccess: () => router.push('/'),
    }),
  );

  if (agent.error)
    return <ErrorBanner title={`Could not load agent ${agentId}`} message={errorMessage(agent.error)} />;
  if (!agent.data) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading agent…</p>;
  const row = live.rows?.find((r) => r.id === agentId);
  const a: AgentRow = { ...agent.data, live: row?.live ?? null, liveError: row?.liveError ?? null };
  const connections = a.live?.connections ?? [];
  const status = agentStatus(a, now);
  const versions = versionView(connections, meta.data?.kasVersion ?? null, new Date(now));

  async function downloadKubeconfig(pat: string) {
    setDownloadError(null);
    try {
      const answer = await client.kubeconfig.forAgent.query({ agentId });
      const { filename } = answer;
      // kas cannot know a PAT (shown once, stored hashed), so it leaves a placeholder; fill it in here, in the browser.
      const yaml = pat.trim() ? answer.yaml.replaceAll(patPlaceholder, pat.trim()) : answer.yaml;
      downloadText(filename, yaml, 'application/yaml');
      setKubeconfigOpen(false);
    } catch (e) {
      setDownloadError(errorMessage(e));
    }
  }

  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-600 dark:text-zinc-400">
        <Link href="/" className="hover:underline">
          Clusters
        </Link>{' '}
        / <span>{a.projectPath}</span> / <span aria-current="page">{a.name}</span>
      </nav>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="space-y-1">
          <h1 className="text-xl font-semibold tracking-tight">
            {a.name}{' '}
            <span className="text-sm font-normal text-zinc-600 dark:text-zinc-400">{a.projectPath}</span>
          </h1>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Tooltip tip={status.reason}>
              <span data-testid="agent-status" data-status={status.kind}>
                <Badge tone={status.tone}>{status.label}</Badge>
              </span>
            </Tooltip>
            <span className="text-zinc-600 dark:text-zinc-400" data-testid="status-reason">
              {status.reason}
            </span>
          </div>
          <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
            {versions.agentVersion ? <span>agentk {versions.agentVersion}</span> : null}
            {versions.agentWarnings.length ? (
              <Tooltip tip={versions.agentWarnings.join(' ')}>
                <Badge tone="warn">Version skew</Badge>
              </Tooltip>
            ) : null}
            {versions.kubernetesVersion ? <span>Kubernetes {versions.kubernetesVersion}</span> : null}
            {versions.support ? (
              <Tooltip tip={versions.support.reason}>
                <Badge tone={supportTone[versions.support.status]}>
                  {supportLabel[versions.support.status]}
                </Badge>
              </Tooltip>
            ) : null}
            {a.receptive ? <Badge tone="info">Receptive</Badge> : null}
            <LiveDot
              state={live.liveState}
              error={live.liveError ? { message: errorMessage(live.liveError) } : null}
            />
          </div>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            href={clusterHref(agentId)}
            className="inline-flex items-center rounded px-2.5 py-1.5 text-sm font-medium text-zinc-900 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            Explore
          </Link>
          <Button onClick={() => showAgentTab(agentId, 'connect')}>Connect a cluster</Button>
          <Button onClick={() => setKubeconfigOpen(true)}>Download kubeconfig</Button>
          <Allowed actions={agent.data.allowedActions} action="agent:delete">
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </Allowed>
        </div>
      </header>
      <div
        role="tablist"
        aria-label="Agent sections"
        // Seven tabs are wider than a phone: the bar scrolls sideways instead of widening the page.
        className="flex gap-1 overflow-x-auto overflow-y-hidden overscroll-x-contain shadow-[inset_0_-1px_0_var(--color-zinc-200)] [scrollbar-width:thin] dark:shadow-[inset_0_-1px_0_var(--color-zinc-800)]"
      >
        {agentTabs.map((t) => (
          <AgentTabLink
            key={t.id}
            agentId={agentId}
            tab={t.id}
            role="tab"
            aria-selected={tab === t.id}
            className="shrink-0 whitespace-nowrap border-b-2 border-transparent px-3 py-2 text-sm text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-sky-500 aria-selected:border-sky-600 aria-selected:font-medium aria-selected:text-zinc-900 dark:text-zinc-400 dark:hover:text-white dark:aria-selected:text-white"
          >
            {t.label}
          </AgentTabLink>
        ))}
      </div>
      <section role="tabpanel" aria-label={agentTabs.find((t) => t.id === tab)?.label}>
        {tab === 'overview' ? <OverviewTab agent={a} history={history} /> : null}
        {tab === 'activity' ? <ActivityTab agentId={agentId} /> : null}
        {tab === 'tokens' ? (
          <TokensTab agentId={agentId} agentName={a.name} actions={agent.data.allowedActions} />
        ) : null}
        {tab === 'configuration' ? (
          <ConfigTab
            agentId={agentId}
            connections={connections}
            canSave={agent.data.allowedActions.includes('agent:write_config')}
          />
        ) : null}
        {tab === 'access' ? (
          <AccessTab agentId={agentId} projectPath={a.projectPath} actions={agent.data.allowedActions} />
        ) : null}
        {tab === 'receptive' ? (
          <ReceptiveTab
            agentId={agentId}
            actions={agent.data.allowedActions}
            podsConnected={connections.length}
          />
        ) : null}
        {tab === 'connect' ? <ConnectTab agentName={a.name} agentId={agentId} /> : null}
      </section>
      <Dialog
        open={kubeconfigOpen}
        onClose={() => setKubeconfigOpen(false)}
        title={`kubeconfig for ${a.name}`}
      >
        <form
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            void downloadKubeconfig(String(new FormData(e.currentTarget).get('pat') ?? ''));
          }}
        >
          <p className="text-sm">
            kubectl reaches this cluster through kas&apos;s Kubernetes API proxy (its CA is embedded). It
            authenticates with a personal access token with scope <code>k8s_proxy</code> — create one under{' '}
            <Link className="text-sky-700 underline dark:text-sky-400" href="/tokens">
              Tokens
            </Link>{' '}
            and paste it here, or leave this empty and put it in the file later.
          </p>
          <Field
            label="Personal access token"
            name="pat"
            type="password"
            autoComplete="off"
            placeholder="mpat-…"
          />
          {downloadError ? (
            <ErrorBanner title="Could not download the kubeconfig" message={downloadError} />
          ) : null}
          <div className="flex justify-end gap-2">
            <Button onClick={() => setKubeconfigOpen(false)}>Cancel</Button>
            <Button type="submit" variant="primary">
              Download
            </Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={confirmDelete} onClose={() => setConfirmDelete(false)} title={`Delete agent ${a.name}?`}>
        <p className="text-sm">
          Deleting the agent revokes all its tokens; connected agentk pods are disconnected and cannot
          reconnect. This cannot be undone.
        </p>
        {remove.error ? <ErrorBanner message={errorMessage(remove.error)} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ agentId })}>
            Delete {a.name}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
