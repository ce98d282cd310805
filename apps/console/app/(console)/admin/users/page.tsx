'use client';
import { usePageTitle } from '../../../../lib/page-title';
import { Badge, Button, Dialog, EmptyState, ErrorBanner, Field, SimpleTable } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../../../lib/errors';
import { Allowed } from '../../../../components/allowed';
import { CreateForm } from '../../../../components/create-form';
import { useTRPC } from '../../../../lib/trpc';

interface Change {
  user: { id: number; username: string };
  patch: { isAdmin: boolean } | { disabled: boolean };
}

function confirmTitle({ user, patch }: Change): string {
  if ('isAdmin' in patch)
    return patch.isAdmin
      ? `Make ${user.username} an administrator?`
      : `Remove ${user.username}'s administrator role?`;
  return patch.disabled ? `Disable ${user.username}?` : `Enable ${user.username}?`;
}

function confirmText({ user, patch }: Change): string {
  if ('isAdmin' in patch)
    return patch.isAdmin
      ? `${user.username} will manage users, read the audit log and act in every group and project.`
      : `${user.username} keeps their memberships but no longer manages users or sees every group and project.`;
  return patch.disabled
    ? `${user.username} is signed out at once; their sessions and personal access tokens stop working until enabled again.`
    : `${user.username} may sign in again.`;
}

export default function UsersPage() {
  usePageTitle('Users');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.session.me.queryOptions({}));
  const mayManage = me.data?.allowedActions.includes('user:manage') === true;
  const users = useQuery({ ...trpc.users.list.queryOptions({}), enabled: mayManage });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey({}) });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: () => void refresh() }));
  // Role and state changes wait for a confirmation: one click must not make or unmake an administrator.
  const [pending, setPending] = useState<Change | null>(null);
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: () => {
        setPending(null);
        void refresh();
      },
    }),
  );
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    create.mutate(
      {
        username: String(data.get('username') ?? ''),
        name: String(data.get('name') ?? ''),
        password: String(data.get('password') ?? ''),
        isAdmin: data.get('isAdmin') === 'on',
      },
      { onSuccess: () => form.reset() },
    );
  }

  if (me.data && !mayManage)
    return (
      <ErrorBanner
        title="Users are managed by administrators"
        message="Managing users needs an administrator account; ask an administrator to create or change a user."
      />
    );

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Users</h1>
      {users.error ? (
        <ErrorBanner title="Could not load the users" message={errorMessage(users.error)} />
      ) : null}
      {users.data?.length === 0 ? <EmptyState title="No users" /> : null}
      {users.data && users.data.length > 0 ? (
        <SimpleTable columns={['Username', 'Name', 'Role', 'State']} actions>
          {users.data.map((u) => (
            <tr key={u.id} data-user={u.username}>
              <td className="py-1.5 font-medium">{u.username}</td>
              <td>{u.name}</td>
              <td>{u.isAdmin ? <Badge tone="info">Admin</Badge> : 'User'}</td>
              <td>{u.disabled ? <Badge tone="muted">Disabled</Badge> : <Badge tone="ok">Active</Badge>}</td>
              <td className="space-x-1 text-right">
                {u.id === me.data?.user.id ? (
                  // kas refuses these on yourself too; say so instead of offering them.
                  <span className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="own-row">
                    You — another administrator changes your role or state
                  </span>
                ) : (
                  <>
                    <Button
                      variant="ghost"
                      onClick={() => setPending({ user: u, patch: { isAdmin: !u.isAdmin } })}
                    >
                      {u.isAdmin ? 'Remove admin' : 'Make admin'}
                    </Button>
                    <Button
                      variant="ghost"
                      onClick={() => setPending({ user: u, patch: { disabled: !u.disabled } })}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </Button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </SimpleTable>
      ) : null}
      <Dialog
        open={pending !== null}
        onClose={() => {
          setPending(null);
          update.reset();
        }}
        title={pending ? confirmTitle(pending) : ''}
      >
        {pending ? <p className="text-sm">{confirmText(pending)}</p> : null}
        {update.error ? <ErrorBanner message={errorMessage(update.error)} /> : null}
        <div className="flex justify-end gap-2">
          <Button
            onClick={() => {
              setPending(null);
              update.reset();
            }}
          >
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={update.isPending}
            onClick={() => pending && update.mutate({ userId: pending.user.id, ...pending.patch })}
          >
            {pending ? confirmTitle(pending).replace(/\?$/, '') : 'Confirm'}
          </Button>
        </div>
      </Dialog>
      <Allowed actions={me.data?.allowedActions} action="user:manage">
        <CreateForm
          id="new-user"
          title="New user"
          submitLabel="Create user"
          error={create.error}
          pending={create.isPending}
          onSubmit={submit}
        >
          <Field label="Username" name="username" required error={errors.username} />
          <Field label="Full name" name="name" error={errors.name} />
          <Field
            label="Initial password"
            name="password"
            type="password"
            required
            autoComplete="new-password"
            error={errors.password}
          />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="isAdmin" /> Administrator
          </label>
        </CreateForm>
      </Allowed>
    </div>
  );
}
