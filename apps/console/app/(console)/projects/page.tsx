'use client';
import { usePageTitle } from '../../../lib/page-title';
import { EmptyState, ErrorBanner, Field, SimpleTable, inputClass } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import type { FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../../lib/errors';
import { CreateForm } from '../../../components/create-form';
import { useTRPC } from '../../../lib/trpc';

export default function ProjectsPage() {
  usePageTitle('Projects');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const projects = useQuery(trpc.projects.list.queryOptions({}));
  const groups = useQuery(trpc.groups.list.queryOptions({}));
  const agents = useQuery(trpc.agents.list.queryOptions({}));
  const create = useMutation(
    trpc.projects.create.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey({}) }),
    }),
  );
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    create.mutate(
      {
        groupId: Number(data.get('groupId')),
        name: String(data.get('name') ?? ''),
        path: String(data.get('path') ?? ''),
      },
      { onSuccess: () => form.reset() },
    );
  }

  // Only the groups where kas would let you create a project are offered.
  const targetGroups = (groups.data ?? []).filter((g) => g.allowedActions.includes('group:create_project'));
  const agentCount = (projectId: number) => agents.data?.filter((a) => a.projectId === projectId).length ?? 0;

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold tracking-tight">Projects</h1>
      {projects.error ? (
        <ErrorBanner title="Could not load the projects" message={errorMessage(projects.error)} />
      ) : null}
      {projects.data && projects.data.length === 0 ? (
        <EmptyState title="No projects yet">
          A project owns agents. Create a group first (Groups), then a project in it below.
        </EmptyState>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <SimpleTable
          columns={['Project', 'Name', { label: 'Agents', className: 'text-right' }]}
          className="max-w-3xl"
          testId="projects-table"
        >
          {projects.data.map((p) => (
            <tr key={p.id}>
              <td className="py-1.5">
                <Link
                  href={`/projects/${p.id}`}
                  className="font-medium text-sky-700 hover:underline dark:text-sky-400"
                >
                  {p.fullPath}
                </Link>
              </td>
              <td>{p.name}</td>
              <td className="text-right tabular-nums">{agentCount(p.id)}</td>
            </tr>
          ))}
        </SimpleTable>
      ) : null}
      {groups.data && targetGroups.length === 0 ? (
        <p className="max-w-md text-sm text-zinc-600 dark:text-zinc-400" data-testid="who-creates-projects">
          Maintainers of a group create projects in it; you are not Maintainer of any group.
        </p>
      ) : null}
      {targetGroups.length > 0 ? (
        <CreateForm
          id="new-project"
          title="New project"
          submitLabel="Create project"
          error={create.error}
          pending={create.isPending}
          onSubmit={submit}
        >
          <div className="space-y-1">
            <label htmlFor="project-group" className="block text-sm font-medium">
              Group
            </label>
            <select id="project-group" name="groupId" required className={`${inputClass} w-full`}>
              {targetGroups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.fullPath}
                </option>
              ))}
            </select>
            {errors.groupId ? <p className="text-xs text-red-700">{errors.groupId}</p> : null}
          </div>
          <Field label="Name" name="name" required error={errors.name} />
          <Field
            label="Path"
            name="path"
            required
            error={errors.path}
            hint="lower-case letters, digits and dashes; part of the project's URL"
          />
        </CreateForm>
      ) : null}
    </div>
  );
}
