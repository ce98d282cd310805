'use client';
import { usePageTitle } from '../../../../lib/page-title';
import { Badge, Button, EmptyState, ErrorBanner, Field, SimpleTable } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../../../lib/errors';
import { CreateForm } from '../../../../components/create-form';
import { useTRPC } from '../../../../lib/trpc';

export default function UsersPage() {
  usePageTitle('Users');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions({}));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey({}) });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: () => void refresh() }));
  const update = useMutation(trpc.users.update.mutationOptions({ onSuccess: () => void refresh() }));
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

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Users</h1>
      {users.error ? (
        <ErrorBanner title="Could not load the users" message={errorMessage(users.error)} />
      ) : null}
      {update.error ? <ErrorBanner message={errorMessage(update.error)} /> : null}
      {users.data?.length === 0 ? <EmptyState title="No users" /> : null}
      {users.data && users.data.length > 0 ? (
        <SimpleTable columns={['Username', 'Name', 'Role', 'State']} actions>
          {users.data.map((u) => (
            <tr key={u.id}>
              <td className="py-1.5 font-medium">{u.username}</td>
              <td>{u.name}</td>
              <td>{u.isAdmin ? <Badge tone="info">Admin</Badge> : 'User'}</td>
              <td>{u.disabled ? <Badge tone="muted">Disabled</Badge> : <Badge tone="ok">Active</Badge>}</td>
              <td className="space-x-1 text-right">
                <Button variant="ghost" onClick={() => update.mutate({ userId: u.id, isAdmin: !u.isAdmin })}>
                  {u.isAdmin ? 'Remove admin' : 'Make admin'}
                </Button>
                <Button
                  variant="ghost"
                  onClick={() => update.mutate({ userId: u.id, disabled: !u.disabled })}
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </Button>
              </td>
            </tr>
          ))}
        </SimpleTable>
      ) : null}
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
    </div>
  );
}
