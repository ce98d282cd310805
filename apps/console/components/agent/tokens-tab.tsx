'use client';
import {
  Badge,
  Button,
  CopyButton,
  Dialog,
  EmptyState,
  ErrorBanner,
  Field,
  Notice,
  ScrollRegion,
} from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../lib/errors';
import { ago, formatTime } from '../../lib/time';
import { useTRPC } from '../../lib/trpc';
import { useNow } from '../../lib/use-now';
import { Allowed, type PolicyAction } from '../allowed';
import { tokenDialogCommands } from './install';

export const maxActiveTokens = 2;

export function TokensTab({
  agentId,
  agentName,
  actions,
}: {
  agentId: number;
  agentName: string;
  /** agents.get's allowedActions: Create and Revoke only when kas would allow them. */
  actions: readonly PolicyAction[];
}) {
  const trpc = useTRPC();
  const install = useQuery(trpc.meta.agentInstall.queryOptions({}));
  const queryClient = useQueryClient();
  const now = useNow();
  const tokens = useQuery(trpc.agentTokens.list.queryOptions({ agentId }));
  const me = useQuery(trpc.session.me.queryOptions({}));
  // kas names the creator (createdByUsername); null once that user is gone.
  const userName = (id: number | null, username: string | null) =>
    id === null
      ? '—'
      : id === me.data?.user.id
        ? `${username ?? me.data.user.username} (you)`
        : (username ?? 'a deleted user');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: number; name: string } | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.agentTokens.list.queryKey({ agentId }) });
  const create = useMutation(
    trpc.agentTokens.create.mutationOptions({
      onSuccess: (result) => {
        setCreated({ name: result.token.name, secret: result.secret });
        void refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.agentTokens.revoke.mutationOptions({
      onSuccess: () => {
        setRevoking(null);
        void refresh();
      },
    }),
  );

  if (tokens.error)
    return <ErrorBanner title="Could not load the tokens" message={errorMessage(tokens.error)} />;
  const rows = tokens.data ?? [];
  const active = rows.filter((t) => t.status === 'active').length;
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      agentId,
      name: String(form.get('name') ?? ''),
      description: String(form.get('description') ?? ''),
    });
  }

  function closeCreate() {
    setCreating(false);
    setCreated(null);
    create.reset();
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="token-limit">
          {active} of {maxActiveTokens} active tokens. An agent may have at most {maxActiveTokens} active
          tokens so that you can rotate one without downtime: create the new token, roll agentk onto it, then
          revoke the old one.
        </p>
        <Allowed actions={actions} action="agent:create_token">
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create token
          </Button>
        </Allowed>
      </div>
      {active >= maxActiveTokens ? (
        <Notice>
          This agent already has {maxActiveTokens} active tokens; revoke one below before creating another.
        </Notice>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No tokens yet">
          agentk proves it is this agent with a token. Create one, then follow the install command it shows.
        </EmptyState>
      ) : (
        <ScrollRegion label="Agent tokens" className="rounded border border-zinc-200 dark:border-zinc-800">
          <table className="w-full text-left text-sm" data-testid="tokens-table">
            <caption className="sr-only">Agent tokens</caption>
            <thead className="bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
              <tr>
                {['Name', 'Description', 'Created by', 'Created', 'Last used', 'Status', ''].map((h, i) => (
                  <th key={i} scope="col" className="px-3 py-2 font-medium">
                    {h || <span className="sr-only">Actions</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 bg-white dark:divide-zinc-800 dark:bg-zinc-900">
              {rows.map((t) => (
                <tr key={t.id} data-token={t.name}>
                  <td className="px-3 py-1.5 font-medium">{t.name}</td>
                  <td className="px-3 py-1.5 text-zinc-600 dark:text-zinc-400">{t.description || '—'}</td>
                  <td className="px-3 py-1.5">{userName(t.createdBy, t.createdByUsername)}</td>
                  <td className="px-3 py-1.5" title={formatTime(t.createdAt)}>
                    {ago(t.createdAt, now)}
                  </td>
                  <td className="px-3 py-1.5" title={formatTime(t.lastUsedAt)}>
                    {ago(t.lastUsedAt, now)}
                  </td>
                  <td className="px-3 py-1.5">
                    <Badge tone={t.status === 'active' ? 'ok' : 'muted'}>
                      {t.status === 'active' ? 'Active' : 'Revoked'}
                    </Badge>
                  </td>
                  <td className="px-3 py-1.5 text-right">
                    {t.status === 'active' && actions.includes('agent:revoke_token') ? (
                      <Button
                        variant="ghost"
                        onClick={() => setRevoking({ id: t.id, name: t.name })}
                        aria-label={`Revoke token ${t.name}`}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}

      <Dialog
        open={creating}
        onClose={closeCreate}
        title={created ? `Token ${created.name} created` : 'Create an agent token'}
      >
        {created ? (
          <div className="space-y-3">
            <Notice>
              This is the only time the token is shown. Copy it now; Mooring stores only its hash.
            </Notice>
            <div className="flex items-center gap-2">
              <code
                data-testid="new-token"
                className="min-w-0 flex-1 break-all rounded bg-zinc-100 px-2 py-1.5 font-mono text-xs dark:bg-zinc-800"
              >
                {created.secret}
              </code>
              <CopyButton value={created.secret} label="Copy token" />
            </div>
            <div>
              <p className="mb-1 text-sm font-medium">Install agentk with it</p>
              {install.data ? (
                <>
                  <pre
                    data-testid="install-commands"
                    className="overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800"
                  >
                    {tokenDialogCommands(agentName, install.data)}
                  </pre>
                  <div className="mt-1">
                    <CopyButton value={tokenDialogCommands(agentName, install.data)} label="Copy commands" />
                  </div>
                </>
              ) : install.error ? (
                <ErrorBanner
                  title="Could not load kas's install details"
                  message={errorMessage(install.error)}
                />
              ) : (
                <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading install details…</p>
              )}
            </div>
            <div className="flex justify-end">
              <Button variant="primary" onClick={closeCreate}>
                Done
              </Button>
            </div>
          </div>
        ) : (
          <form onSubmit={submit} className="space-y-3">
            {create.error && !Object.keys(errors).length ? (
              <ErrorBanner title="kas refused to create the token" message={errorMessage(create.error)} />
            ) : null}
            <Field
              label="Name"
              name="name"
              required
              maxLength={255}
              error={errors.name}
              hint="e.g. ci-deploy — shown in activity and the last-used column"
            />
            <Field label="Description" name="description" maxLength={1024} error={errors.description} />
            <div className="flex justify-end gap-2">
              <Button onClick={closeCreate}>Cancel</Button>
              <Button type="submit" variant="primary" disabled={create.isPending}>
                Create token
              </Button>
            </div>
          </form>
        )}
      </Dialog>

      <Dialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke token ${revoking?.name ?? ''}?`}
      >
        <p className="text-sm">
          agentk pods using this token are disconnected at once and cannot reconnect with it.
        </p>
        {revoke.error ? <ErrorBanner message={errorMessage(revoke.error)} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={() => setRevoking(null)}>Cancel</Button>
          <Button
            variant="danger"
            disabled={revoke.isPending}
            onClick={() => revoking && revoke.mutate({ tokenId: revoking.id })}
          >
            Revoke
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
