'use client';
import { usePageTitle } from '../../../../lib/page-title';
import { Button, EmptyState, ErrorBanner, Field } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import type { FormEvent } from 'react';

import { Allowed } from '../../../../components/allowed';
import { Members } from '../../../../components/members';
import { errorMessage, fieldErrors } from '../../../../lib/errors';
import { useTRPC } from '../../../../lib/trpc';

export default function ProjectPage() {
  const { projectId: raw } = useParams<{ projectId: string }>();
  const projectId = Number(raw);
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const projects = useQuery(trpc.projects.list.queryOptions({}));
  const agents = useQuery(trpc.agents.list.queryOptions({}));
  const register = useMutation(
    trpc.agents.register.mutationOptions({
      onSuccess: (agent) => {
        void queryClient.invalidateQueries({ queryKey: trpc.agents.list.queryKey({}) });
        router.push(`/agents/${agent.id}?tab=tokens`);
      },
    }),
  );
  const project = projects.data?.find((p) => p.id === projectId);
  usePageTitle(project?.name, 'Project');
  const errors = fieldErrors(register.error);
  if (projects.error) return <ErrorBanner message={errorMessage(projects.error)} />;
  if (!projects.data) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>;
  if (!project)
    return (
      <ErrorBanner
        title="Project not found"
        message={`There is no project ${raw} that you can see. Pick one from the Projects list.`}
      />
    );
  const own = agents.data?.filter((a) => a.projectId === projectId) ?? [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    register.mutate({ projectId, name: String(new FormData(event.currentTarget).get('name') ?? '') });
  }

  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-600 dark:text-zinc-400">
        <Link href="/projects" className="hover:underline">
          Projects
        </Link>{' '}
        / <span aria-current="page">{project.fullPath}</span>
      </nav>
      <h1 className="text-xl font-semibold tracking-tight">{project.name}</h1>
      <section className="space-y-3" aria-labelledby="agents-title">
        <h2 id="agents-title" className="text-base font-semibold">
          Agents
        </h2>
        {own.length === 0 ? (
          <EmptyState title="No agents in this project">
            {project.allowedActions.includes('project:create_agent')
              ? 'Register one below; it becomes the identity of one cluster.'
              : 'A Maintainer of this project registers agents.'}
          </EmptyState>
        ) : null}
        <ul className="space-y-1 text-sm">
          {own.map((a) => (
            <li key={a.id}>
              <Link href={`/agents/${a.id}`} className="text-sky-700 hover:underline dark:text-sky-400">
                {a.name}
              </Link>
            </li>
          ))}
        </ul>
        <Allowed actions={project.allowedActions} action="project:create_agent">
          <form onSubmit={submit} className="flex max-w-lg items-start gap-2" aria-label="Register an agent">
            <div className="flex-1">
              <Field
                label="Agent name"
                name="name"
                required
                maxLength={63}
                error={errors.name}
                hint="a DNS label: lower-case letters, digits and dashes, at most 63"
              />
            </div>
            <Button type="submit" variant="primary" disabled={register.isPending} className="mt-6">
              Register agent
            </Button>
          </form>
        </Allowed>
        {register.error && !Object.keys(errors).length ? (
          <ErrorBanner title="kas refused to register the agent" message={errorMessage(register.error)} />
        ) : null}
      </section>
      <Members target={{ kind: 'project', id: projectId }} />
    </div>
  );
}
