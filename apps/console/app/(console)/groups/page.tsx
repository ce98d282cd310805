'use client';
import { usePageTitle } from '../../../lib/page-title';
import { EmptyState, ErrorBanner, Field, inputClass } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { Members } from '../../../components/members';
import { errorMessage, fieldErrors } from '../../../lib/errors';
import { CreateForm } from '../../../components/create-form';
import { useTRPC } from '../../../lib/trpc';

export default function GroupsPage() {
  usePageTitle('Groups');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const groups = useQuery(trpc.groups.list.queryOptions({}));
  // Top-level groups are for administrators unless kas allows every user (MOORING_USERS_CAN_CREATE_GROUPS).
  const me = useQuery(trpc.session.me.queryOptions({}));
  const canCreateTopLevel = me.data?.canCreateGroups === true;
  const [selected, setSelected] = useState<number | null>(null);
  const create = useMutation(
    trpc.groups.create.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.groups.list.queryKey({}) }),
    }),
  );
  const errors = fieldErrors(create.error);
  const rows = (groups.data ?? []).slice().sort((a, b) => a.fullPath.localeCompare(b.fullPath));
  // Only the groups where kas would let you create a subgroup are offered as parents.
  const parents = rows.filter((g) => g.allowedActions.includes('group:create_subgroup'));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const parent = String(data.get('parentId') ?? '');
    create.mutate(
      {
        name: String(data.get('name') ?? ''),
        path: String(data.get('path') ?? ''),
        parentId: parent ? Number(parent) : null,
      },
      { onSuccess: () => form.reset() },
    );
  }

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Groups</h1>
      {groups.error ? (
        <ErrorBanner title="Could not load the groups" message={errorMessage(groups.error)} />
      ) : null}
      {groups.data && rows.length === 0 ? (
        <EmptyState title="No groups yet">
          {canCreateTopLevel
            ? 'Groups hold projects and members; create the first one below.'
            : 'Groups hold projects and members; an administrator creates the first one and adds you to it.'}
        </EmptyState>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[18rem_minmax(0,1fr)]">
        <ul className="space-y-0.5 text-sm" aria-label="Groups">
          {rows.map((g) => (
            <li key={g.id} style={{ paddingLeft: `${(g.fullPath.split('/').length - 1) * 1}rem` }}>
              <button
                type="button"
                aria-pressed={selected === g.id}
                onClick={() => setSelected(g.id)}
                className="w-full rounded px-2 py-1 text-left hover:bg-zinc-100 aria-pressed:bg-zinc-200 dark:hover:bg-zinc-800 dark:aria-pressed:bg-zinc-800"
              >
                {g.name} <span className="text-xs text-zinc-600 dark:text-zinc-400">{g.fullPath}</span>
              </button>
            </li>
          ))}
        </ul>
        <div>
          {selected !== null ? (
            <Members target={{ kind: 'group', id: selected }} />
          ) : rows.length ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Pick a group to see its members.</p>
          ) : null}
        </div>
      </div>
      {me.data && !canCreateTopLevel ? (
        <p className="max-w-md text-sm text-zinc-600 dark:text-zinc-400" data-testid="who-creates-groups">
          Only administrators create top-level groups (kas setting MOORING_USERS_CAN_CREATE_GROUPS=true lets
          every user). Maintainers of a group create subgroups in it.
        </p>
      ) : null}
      {me.data && (canCreateTopLevel || parents.length > 0) ? (
        <CreateForm
          id="new-group"
          title={canCreateTopLevel ? 'New group' : 'New subgroup'}
          submitLabel="Create group"
          error={create.error}
          pending={create.isPending}
          onSubmit={submit}
        >
          <Field label="Name" name="name" required error={errors.name} />
          <Field label="Path" name="path" required error={errors.path} />
          <div className="space-y-1">
            <label htmlFor="group-parent" className="block text-sm font-medium">
              Parent group
            </label>
            <select
              id="group-parent"
              name="parentId"
              required={!canCreateTopLevel}
              className={`${inputClass} w-full`}
            >
              {canCreateTopLevel ? <option value="">(top level)</option> : null}
              {parents.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.fullPath}
                </option>
              ))}
            </select>
          </div>
        </CreateForm>
      ) : null}
    </div>
  );
}
