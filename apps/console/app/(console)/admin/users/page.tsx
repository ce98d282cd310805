'use client';
import { Badge, Button, EmptyState, ErrorBanner, Field } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../../../lib/errors';
import { useTRPC } from '../../../../lib/trpc';

export default function UsersPage() {
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
        <table className="w-full max-w-4xl text-left text-sm">
          <thead className="text-xs text-zinc-500">
            <tr>
              <th className="py-1">Username</th>
              <th>Name</th>
              <th>Role</th>
              <th>State</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {users.data.map((u) => (
              <tr key={u.id}>
                <td className="py-1.5 font-medium">{u.username}</td>
                <td>{u.name}</td>
                <td>{u.isAdmin ? <Badge tone="info">Admin</Badge> : 'User'}</td>
                <td>{u.disabled ? <Badge tone="muted">Disabled</Badge> : <Badge tone="ok">Active</Badge>}</td>
                <td className="space-x-1 text-right">
                  <Button
                    variant="ghost"
                    onClick={() => update.mutate({ userId: u.id, isAdmin: !u.isAdmin })}
                  >
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
          </tbody>
        </table>
      ) : null}
      <section
        aria-labelledby="new-user"
        className="max-w-md space-y-3 rounded border border-zinc-200 p-4 dark:border-zinc-800"
      >
        <h2 id="new-user" className="font-semibold">
          New user
        </h2>
        <form onSubmit={submit} className="space-y-3">
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
          {create.error && !Object.keys(errors).length ? (
            <ErrorBanner message={errorMessage(create.error)} />
          ) : null}
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Create user
          </Button>
        </form>
      </section>
    </div>
  );
}
