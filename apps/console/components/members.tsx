'use client';
import { Button, EmptyState, ErrorBanner, Field, inputClass } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../lib/errors';
import { useTRPC } from '../lib/trpc';

const roles = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const;

export function Members({ target }: { target: { kind: 'group' | 'project'; id: number } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.members.list.queryOptions({ target }));
  const [role, setRole] = useState<(typeof roles)[number]>('developer');
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey({ target }) });
  const add = useMutation(trpc.members.add.mutationOptions({ onSuccess: () => void refresh() }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: () => void refresh() }));
  const errors = fieldErrors(add.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    add.mutate(
      { target, username: String(new FormData(form).get('username') ?? ''), role },
      { onSuccess: () => form.reset() },
    );
  }

  return (
    <section className="space-y-3" aria-labelledby="members-title">
      <h2 id="members-title" className="text-base font-semibold">
        Members
      </h2>
      {members.error ? <ErrorBanner message={errorMessage(members.error)} /> : null}
      {members.data && members.data.length === 0 ? (
        <EmptyState title="No members yet">
          Add people by username; group roles are inherited by the projects inside.
        </EmptyState>
      ) : null}
      {members.data && members.data.length > 0 ? (
        <table className="w-full max-w-2xl text-left text-sm">
          <thead className="text-xs text-zinc-500">
            <tr>
              <th className="py-1">User</th>
              <th>Role</th>
              <th>Source</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {members.data.map((m) => (
              <tr key={`${m.userId}-${m.inheritedFrom ?? ''}`}>
                <td className="py-1.5">{m.username}</td>
                <td>{m.role}</td>
                <td className="text-zinc-500">
                  {m.inheritedFrom ? `inherited from ${m.inheritedFrom}` : 'direct'}
                </td>
                <td className="text-right">
                  {m.inheritedFrom ? null : (
                    <Button
                      variant="ghost"
                      aria-label={`Remove ${m.username}`}
                      onClick={() => remove.mutate({ target, userId: m.userId })}
                    >
                      Remove
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {remove.error ? <ErrorBanner message={errorMessage(remove.error)} /> : null}
      <form onSubmit={submit} className="flex max-w-2xl flex-wrap items-end gap-2">
        <div className="w-56">
          <Field label="Username" name="username" required error={errors.username} />
        </div>
        <div className="space-y-1">
          <label htmlFor="member-role" className="block text-sm font-medium">
            Role
          </label>
          <select
            id="member-role"
            className={inputClass}
            value={role}
            onChange={(e) => setRole(e.target.value as (typeof roles)[number])}
          >
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <Button type="submit" disabled={add.isPending}>
          Add member
        </Button>
      </form>
      {add.error && !Object.keys(errors).length ? <ErrorBanner message={errorMessage(add.error)} /> : null}
    </section>
  );
}
