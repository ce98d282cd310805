'use client';
import { Button, EmptyState, ErrorBanner, Field, SimpleTable, inputClass } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../lib/errors';
import { useTRPC } from '../lib/trpc';
import { Allowed } from './allowed';

const roles = ['guest', 'reporter', 'developer', 'maintainer', 'owner'] as const;

export function Members({ target }: { target: { kind: 'group' | 'project'; id: number } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isGroup = target.kind === 'group';
  const groupKey = { groupId: target.id };
  const projectKey = { projectId: target.id };
  const groupMembers = useQuery({ ...trpc.members.group.list.queryOptions(groupKey), enabled: isGroup });
  const projectMembers = useQuery({
    ...trpc.members.project.list.queryOptions(projectKey),
    enabled: !isGroup,
  });
  const members = isGroup ? groupMembers : projectMembers;
  // What you may do here, from kas's policy: the same view the page shows.
  const group = useQuery({ ...trpc.groups.get.queryOptions(groupKey), enabled: isGroup });
  const project = useQuery({ ...trpc.projects.get.queryOptions(projectKey), enabled: !isGroup });
  const actions = (isGroup ? group.data : project.data)?.allowedActions;
  const manage = isGroup ? 'group:manage_members' : 'project:manage_members';
  const me = useQuery(trpc.session.me.queryOptions({}));
  // Administrators may list users: their form suggests usernames. Everyone else types the name they know.
  const users = useQuery({
    ...trpc.users.list.queryOptions({}),
    retry: false,
    enabled: me.data?.allowedActions.includes('user:manage') === true,
  });
  const [role, setRole] = useState<(typeof roles)[number]>('developer');
  const refresh = () =>
    queryClient.invalidateQueries({
      queryKey: isGroup
        ? trpc.members.group.list.queryKey(groupKey)
        : trpc.members.project.list.queryKey(projectKey),
    });
  const addGroup = useMutation(trpc.members.group.add.mutationOptions({ onSuccess: () => void refresh() }));
  const addProject = useMutation(
    trpc.members.project.add.mutationOptions({ onSuccess: () => void refresh() }),
  );
  const removeGroup = useMutation(
    trpc.members.group.remove.mutationOptions({ onSuccess: () => void refresh() }),
  );
  const removeProject = useMutation(
    trpc.members.project.remove.mutationOptions({ onSuccess: () => void refresh() }),
  );
  const add = isGroup ? addGroup : addProject;
  const remove = isGroup ? removeGroup : removeProject;
  const errors = fieldErrors(add.error);

  function removeMember(userId: number) {
    if (isGroup) removeGroup.mutate({ groupId: target.id, userId });
    else removeProject.mutate({ projectId: target.id, userId });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const username = String(new FormData(form).get('username') ?? '').trim();
    const onSuccess = () => form.reset();
    if (isGroup) addGroup.mutate({ groupId: target.id, username, role }, { onSuccess });
    else addProject.mutate({ projectId: target.id, username, role }, { onSuccess });
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
        <SimpleTable columns={['User', 'Role', 'Source']} actions className="max-w-2xl">
          {members.data.map((m) => (
            <tr key={m.userId}>
              <td className="py-1.5">{m.username}</td>
              <td>{m.role}</td>
              <td className="text-zinc-600 dark:text-zinc-400">
                {m.directRole ? 'direct' : `inherited from ${m.source}`}
              </td>
              <td className="text-right">
                {m.directRole && actions?.includes(manage) ? (
                  <Button
                    variant="ghost"
                    aria-label={`Remove ${m.username}`}
                    onClick={() => removeMember(m.userId)}
                  >
                    Remove
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </SimpleTable>
      ) : null}
      {remove.error ? <ErrorBanner message={errorMessage(remove.error)} /> : null}
      <Allowed
        actions={actions}
        action={manage}
        fallback={
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="members-read-only">
            Owners manage the members here.
          </p>
        }
      >
        <form onSubmit={submit} className="flex max-w-2xl flex-wrap items-end gap-2">
          <div className="w-56">
            <Field label="Username" name="username" required list="known-users" error={errors.username} />
            <datalist id="known-users">
              {(users.data ?? []).map((u) => (
                <option key={u.id} value={u.username} />
              ))}
            </datalist>
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
      </Allowed>
      {add.error && !Object.keys(errors).length ? <ErrorBanner message={errorMessage(add.error)} /> : null}
    </section>
  );
}
