'use client';
import { usePageTitle } from '../../../lib/page-title';
import { Badge, Button, CopyButton, EmptyState, ErrorBanner, Field, Notice, SimpleTable } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../../lib/errors';
import { ago } from '../../../lib/time';
import { CreateForm } from '../../../components/create-form';
import { useTRPC } from '../../../lib/trpc';
import { useNow } from '../../../lib/use-now';

const scopes = [
  ['api', 'read and write through the API'],
  ['read_api', 'read through the API'],
  ['k8s_proxy', 'use the Kubernetes API proxy (kubectl)'],
] as const;

export default function TokensPage() {
  usePageTitle('Personal access tokens');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const pats = useQuery(trpc.personalAccessTokens.list.queryOptions({}));
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.personalAccessTokens.list.queryKey({}) });
  const create = useMutation(
    trpc.personalAccessTokens.create.mutationOptions({
      onSuccess: (r) => (setSecret(r.secret), void refresh()),
    }),
  );
  const revoke = useMutation(
    trpc.personalAccessTokens.revoke.mutationOptions({ onSuccess: () => void refresh() }),
  );
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const expires = String(data.get('expiresAt') ?? '');
    setSecret(null);
    const form = event.currentTarget;
    create.mutate(
      {
        name: String(data.get('name') ?? ''),
        scopes: data.getAll('scopes').map(String) as ('api' | 'read_api' | 'k8s_proxy')[],
        expiresAt: expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null,
      },
      { onSuccess: () => form.reset() },
    );
  }

  function statusOf(t: {
    revokedAt: string | null;
    expiresAt: string | null;
  }): 'active' | 'revoked' | 'expired' {
    if (t.revokedAt) return 'revoked';
    if (t.expiresAt && Date.parse(t.expiresAt) <= now) return 'expired';
    return 'active';
  }

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Personal access tokens</h1>
      <p className="max-w-2xl text-sm text-zinc-600 dark:text-zinc-400">
        For scripts, CI and kubectl: send <code>Authorization: Bearer mpat-…</code> to the API, or put the
        token in a kubeconfig for the Kubernetes API proxy.
      </p>
      {pats.error ? <ErrorBanner message={errorMessage(pats.error)} /> : null}
      {pats.data?.length === 0 ? (
        <EmptyState title="No tokens yet">Create one below; it is shown once.</EmptyState>
      ) : null}
      {pats.data && pats.data.length > 0 ? (
        <SimpleTable columns={['Name', 'Scopes', 'Expires', 'Last used', 'Status']} actions>
          {pats.data.map((t) => (
            <tr key={t.id}>
              <td className="py-1.5 font-medium">{t.name}</td>
              <td>{t.scopes.join(', ')}</td>
              <td>{t.expiresAt ? t.expiresAt.slice(0, 10) : 'never'}</td>
              <td>{ago(t.lastUsedAt, now)}</td>
              <td>
                <Badge tone={statusOf(t) === 'active' ? 'ok' : 'muted'}>{statusOf(t)}</Badge>
              </td>
              <td className="text-right">
                {statusOf(t) === 'active' ? (
                  <Button
                    variant="ghost"
                    aria-label={`Revoke ${t.name}`}
                    onClick={() => {
                      if (window.confirm(`Revoke ${t.name}? Scripts using it stop working at once.`))
                        revoke.mutate({ tokenId: t.id });
                    }}
                  >
                    Revoke
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </SimpleTable>
      ) : null}
      {revoke.error ? <ErrorBanner message={errorMessage(revoke.error)} /> : null}
      {secret ? (
        <div className="max-w-2xl space-y-2">
          <Notice>Copy the token now; it is not shown again.</Notice>
          <div className="flex items-center gap-2">
            <code
              data-testid="new-pat"
              className="flex-1 break-all rounded bg-zinc-100 px-2 py-1.5 font-mono text-xs dark:bg-zinc-800"
            >
              {secret}
            </code>
            <CopyButton value={secret} label="Copy token" />
          </div>
        </div>
      ) : null}
      <CreateForm
        id="new-pat-title"
        title="New token"
        submitLabel="Create token"
        error={create.error}
        pending={create.isPending}
        onSubmit={submit}
      >
        <Field label="Name" name="name" required error={errors.name} />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium">Scopes</legend>
          {scopes.map(([scope, text]) => (
            <label key={scope} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === 'read_api'} />
              <code>{scope}</code> <span className="text-zinc-600 dark:text-zinc-400">{text}</span>
            </label>
          ))}
          {errors.scopes ? <p className="text-xs text-red-700">{errors.scopes}</p> : null}
        </fieldset>
        <Field
          label="Expires on"
          name="expiresAt"
          type="date"
          error={errors.expiresAt}
          hint="empty = never"
        />
      </CreateForm>
    </div>
  );
}
