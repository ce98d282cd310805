'use client';
// The few actions a developer needs on one object, each through kas's proxy as the user and each offered only when
// the cluster says the user may (useCan: a SelfSubjectAccessReview per kind, namespace and verb): delete a pod,
// restart a rollout, scale, suspend or resume a CronJob; a terminal link for a pod. Every action asks first, naming
// the object and the cluster, and then shows the cluster's answer in its own words.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import {
  collectionPath,
  parseResourceName,
  type ResourceRef,
} from '@mooring/modules/object_watch/shared/resources';
import { Button, Dialog, ErrorBanner, inputClass, Notice } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState, type ReactNode } from 'react';

import { k8sErrorMessage, k8sFetch, k8sGetJson } from '../../lib/explorer/k8s-fetch';
import { execHref, type ObjectRef } from '../../lib/explorer/urls';
import { useCan, type CanQuestion } from '../../lib/explorer/use-can';
import { useTRPC } from '../../lib/trpc';

const ROLLOUT_KINDS = new Set(['apps/deployments', 'apps/statefulsets', 'apps/daemonsets']);
const SCALE_KINDS = new Set(['apps/deployments', 'apps/statefulsets', 'apps/replicasets']);
/** What the scale field accepts; more is almost surely a typo. */
const MAX_REPLICAS = 1000;

interface Target {
  agentId: number;
  ref: ResourceRef;
  namespace: string;
  name: string;
  /** "Deployment web", as the dialogs name it. */
  label: string;
  cluster: string;
}

function objectPath(t: Target, subresource?: string): `/${string}` {
  const path = `${collectionPath(t.ref, t.namespace)}/${encodeURIComponent(t.name)}${subresource ? `/${subresource}` : ''}`;
  return path as `/${string}`;
}

const KIND_NAMES: Record<string, string> = {
  pods: 'Pod',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  replicasets: 'ReplicaSet',
  cronjobs: 'CronJob',
};

/** Sends one change; resolves with nothing on success, throws with the cluster's message otherwise. */
async function send(t: Target, init: RequestInit, subresource?: string): Promise<void> {
  const response = await k8sFetch(t.agentId, objectPath(t, subresource), init);
  if (!response.ok) throw new Error(await k8sErrorMessage(response));
}

const mergePatch = (body: unknown): RequestInit => ({
  method: 'PATCH',
  headers: { 'content-type': 'application/merge-patch+json' },
  body: JSON.stringify(body),
});

/** The actions the user may take on one object (each checked with a SelfSubjectAccessReview), with confirmation. */
export function ObjectActions({
  agentId,
  object,
  row,
  terminalLink = true,
}: {
  agentId: number;
  object: ObjectRef;
  row?: ObjectRow;
  /** false on the terminal page itself. */
  terminalLink?: boolean;
}) {
  const trpc = useTRPC();
  const agent = useQuery(trpc.agents.get.queryOptions({ agentId }));
  const parsed = parseResourceName(object.resource);
  if (!parsed.ok || !object.namespace) return null;
  const ref = parsed.ref;
  const kindKey = `${ref.group ? `${ref.group}/` : ''}${ref.resource}`;
  const target: Target = {
    agentId,
    ref,
    namespace: object.namespace,
    name: object.name,
    label: `${KIND_NAMES[ref.resource] ?? ref.resource} ${object.name}`,
    cluster: agent.data?.name ?? `cluster ${agentId}`,
  };
  const ask = (verb: CanQuestion['verb'], subresource?: string): CanQuestion => ({
    verb,
    group: ref.group,
    resource: ref.resource,
    namespace: object.namespace!,
    ...(subresource ? { subresource } : {}),
  });
  return (
    <div className="flex flex-wrap items-center gap-2" role="group" aria-label={`Actions on ${target.label}`}>
      {kindKey === 'pods' ? (
        <>
          {terminalLink ? (
            <TerminalLink target={target} question={{ ...ask('create', 'exec'), resource: 'pods' }} />
          ) : null}
          <DeleteAction target={target} question={ask('delete')} />
        </>
      ) : null}
      {ROLLOUT_KINDS.has(kindKey) ? <RestartAction target={target} question={ask('patch')} /> : null}
      {SCALE_KINDS.has(kindKey) ? (
        <ScaleAction
          target={target}
          question={ask('patch', 'scale')}
          current={numberColumn(row, 'desired')}
        />
      ) : null}
      {kindKey === 'batch/cronjobs' ? (
        <SuspendAction target={target} question={ask('patch')} suspended={booleanColumn(row, 'suspend')} />
      ) : null}
    </div>
  );
}

function numberColumn(row: ObjectRow | undefined, name: string): number | undefined {
  const value = row?.columns[name];
  return typeof value === 'number' ? value : undefined;
}

function booleanColumn(row: ObjectRow | undefined, name: string): boolean | undefined {
  const value = row?.columns[name];
  return typeof value === 'boolean' ? value : undefined;
}

function TerminalLink({ target, question }: { target: Target; question: CanQuestion }) {
  const can = useCan(target.agentId, question);
  if (can.answer !== 'allowed') return null;
  return (
    <Link
      href={execHref(target.agentId, { ns: target.namespace, pod: target.name })}
      className="inline-flex items-center rounded px-2.5 py-1.5 text-sm font-medium text-zinc-900 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
    >
      Terminal
    </Link>
  );
}

function DeleteAction({ target, question }: { target: Target; question: CanQuestion }) {
  return (
    <ConfirmedAction
      target={target}
      question={question}
      button="Delete"
      title={`Delete ${target.label}?`}
      confirm="Delete pod"
      danger
      describe={
        <p>
          Deletes the pod <b>{target.name}</b> in the namespace <b>{target.namespace}</b> of{' '}
          <b>{target.cluster}</b>. If a Deployment, StatefulSet, DaemonSet or Job owns it, its controller
          starts a replacement.
        </p>
      }
      run={async () => {
        await send(target, { method: 'DELETE' });
        return `The cluster accepted the deletion of ${target.label}; it goes once its containers stop.`;
      }}
    />
  );
}

function RestartAction({ target, question }: { target: Target; question: CanQuestion }) {
  return (
    <ConfirmedAction
      target={target}
      question={question}
      button="Restart"
      title={`Restart ${target.label}?`}
      confirm="Restart rollout"
      describe={
        <p>
          Replaces every pod of <b>{target.label}</b> in <b>{target.namespace}</b> on <b>{target.cluster}</b>,
          as its update strategy says (what <code>kubectl rollout restart</code> does).
        </p>
      }
      run={async () => {
        // As kubectl does: a new annotation on the pod template is a new template, so the controller rolls it out.
        const restartedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        await send(target, {
          ...mergePatch({
            spec: {
              template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } },
            },
          }),
          headers: { 'content-type': 'application/strategic-merge-patch+json' },
        });
        return `The rollout of ${target.label} restarted at ${restartedAt}.`;
      }}
    />
  );
}

function ScaleAction({
  target,
  question,
  current,
}: {
  target: Target;
  question: CanQuestion;
  current?: number;
}) {
  const inputId = useId();
  const [replicas, setReplicas] = useState<string>('');
  const [known, setKnown] = useState<number | undefined>(current);
  const value = Number(replicas);
  const invalid =
    replicas.trim() === '' || !Number.isInteger(value) || value < 0 || value > MAX_REPLICAS
      ? `Enter a whole number of replicas from 0 to ${MAX_REPLICAS}.`
      : null;
  return (
    <ConfirmedAction
      target={target}
      question={question}
      button="Scale"
      title={`Scale ${target.label}`}
      confirm="Scale"
      blocked={invalid}
      onOpen={async () => {
        const scale = await k8sGetJson<{ spec?: { replicas?: number } }>(
          target.agentId,
          objectPath(target, 'scale'),
        );
        const now = scale.spec?.replicas ?? current ?? 0;
        setKnown(now);
        setReplicas(String(now));
      }}
      describe={
        <>
          <p>
            Sets how many pods <b>{target.label}</b> in <b>{target.namespace}</b> on <b>{target.cluster}</b>{' '}
            runs
            {known !== undefined ? ` (now ${known})` : ''}.
          </p>
          <div className="space-y-1">
            <label htmlFor={inputId} className="block text-sm font-medium">
              Replicas
            </label>
            <input
              id={inputId}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_REPLICAS}
              value={replicas}
              onChange={(event) => setReplicas(event.target.value)}
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? `${inputId}-error` : undefined}
              className={`${inputClass} w-32`}
            />
            {invalid && replicas !== '' ? (
              <p id={`${inputId}-error`} className="text-xs text-red-700 dark:text-red-400">
                {invalid}
              </p>
            ) : null}
          </div>
        </>
      }
      run={async () => {
        await send(target, mergePatch({ spec: { replicas: value } }), 'scale');
        return `${target.label} now wants ${value} replica${value === 1 ? '' : 's'}.`;
      }}
    />
  );
}

function SuspendAction({
  target,
  question,
  suspended,
}: {
  target: Target;
  question: CanQuestion;
  suspended?: boolean;
}) {
  // Without a list row the CronJob is read once to know which way the toggle goes.
  const read = useQuery({
    queryKey: ['k8s-cronjob-suspend', target.agentId, target.namespace, target.name],
    queryFn: ({ signal }) =>
      k8sGetJson<{ spec?: { suspend?: boolean } }>(target.agentId, objectPath(target), signal).then(
        (o) => o.spec?.suspend === true,
      ),
    enabled: suspended === undefined,
  });
  const isSuspended = suspended ?? read.data;
  if (isSuspended === undefined) return null;
  const next = !isSuspended;
  return (
    <ConfirmedAction
      target={target}
      question={question}
      button={next ? 'Suspend' : 'Resume'}
      title={`${next ? 'Suspend' : 'Resume'} ${target.label}?`}
      confirm={next ? 'Suspend' : 'Resume'}
      describe={
        <p>
          {next
            ? 'No new Jobs start on its schedule until it is resumed; Jobs already running go on.'
            : 'Jobs start on its schedule again.'}{' '}
          <b>{target.label}</b> in <b>{target.namespace}</b> on <b>{target.cluster}</b>.
        </p>
      }
      run={async () => {
        await send(target, mergePatch({ spec: { suspend: next } }));
        return `${target.label} is ${next ? 'suspended' : 'resumed'}.`;
      }}
    />
  );
}

function ConfirmedAction({
  target,
  question,
  button,
  title,
  confirm,
  describe,
  run,
  danger = false,
  blocked = null,
  onOpen,
}: {
  target: Target;
  question: CanQuestion;
  button: string;
  title: string;
  confirm: string;
  describe: ReactNode;
  run: () => Promise<string>;
  danger?: boolean;
  /** Why the confirm button is disabled (an invalid field). */
  blocked?: string | null;
  onOpen?: () => Promise<void>;
}) {
  const can = useCan(target.agentId, question);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  if (can.answer !== 'allowed') return null;
  const start = () => {
    setResult(null);
    setOpen(true);
    onOpen?.().catch((error: unknown) =>
      setResult({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  };
  const act = async () => {
    setBusy(true);
    try {
      setResult({ ok: true, message: await run() });
    } catch (error) {
      setResult({ ok: false, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button variant={danger ? 'danger' : 'secondary'} onClick={start}>
        {button}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={title}>
        {describe}
        {result ? (
          result.ok ? (
            <Notice>{result.message}</Notice>
          ) : (
            <ErrorBanner title="The cluster refused" message={result.message} />
          )
        ) : null}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          {result?.ok ? (
            <Button variant="primary" onClick={() => setOpen(false)}>
              Close
            </Button>
          ) : (
            <>
              <Button onClick={() => setOpen(false)}>Cancel</Button>
              <Button
                variant={danger ? 'danger' : 'primary'}
                disabled={busy || !!blocked}
                onClick={() => void act()}
              >
                {busy ? 'Working…' : confirm}
              </Button>
            </>
          )}
        </div>
      </Dialog>
    </>
  );
}
