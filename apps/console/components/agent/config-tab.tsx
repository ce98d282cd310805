'use client';
import { Button, EmptyState, ErrorBanner, Notice, inputClass } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

import { validateConfigLocally } from '../../lib/config-validate';
import { errorMessage } from '../../lib/errors';
import { unwrapTracked, useLiveState, type PodConnection } from '../../lib/live';
import { ago, formatTime } from '../../lib/time';
import { useTRPC } from '../../lib/trpc';
import { useNow } from '../../lib/use-now';
import { LiveDot } from '../live-dot';
import { YamlEditor, type YamlEditorHandle } from './yaml-editor';

const starter = `# Who may use this agent. See docs/configuration.md for every field.
ci_access:
  projects: []
user_access:
  access_as:
    agent: {}
  projects: []
observability:
  logging:
    level: info
`;

interface ConfigProblem {
  line: number | null;
  path: string;
  message: string;
}

export function ConfigTab({
  agentId,
  connections,
  canSave,
}: {
  agentId: number;
  connections: PodConnection[];
  /** agents.get lists agent:write_config (Maintainer): only then are Save and "Revert to this version" offered. */
  canSave: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const current = useQuery(trpc.agentConfigs.get.queryOptions({ agentId }));
  const history = useQuery(trpc.agentConfigs.history.queryOptions({ agentId }));
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  // A save from anywhere (another tab, the API, CI) moves the live version here without a reload.
  const changes = useSubscription(
    trpc.agentConfigs.onChanged.subscriptionOptions(
      { agentId },
      {
        onData: (raw) => {
          const { version } = unwrapTracked<{ agentId: number; version: number }>(raw);
          if (queryClient.getQueryData(trpc.agentConfigs.get.queryKey({ agentId }))?.version === version)
            return;
          void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.get.queryKey({ agentId }) });
          void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.history.queryKey({ agentId }) });
        },
      },
    ),
  );
  const changesState = useLiveState(changes.status);
  const [text, setText] = useState<string | null>(null);
  const [serverErrors, setServerErrors] = useState<ConfigProblem[] | null>(null);
  const [savedVersion, setSavedVersion] = useState<{ version: number; created: boolean } | null>(null);
  const editor = useRef<YamlEditorHandle>(null);

  useEffect(() => {
    if (text === null && current.data !== undefined) {
      setText(current.data?.yaml ?? starter);
      setLoadedVersion(current.data?.version ?? null);
    }
  }, [current.data, text]);

  const value = text ?? '';
  // As you type: the shared schema runs in the browser; kas checks again on save.
  const local = useMemo(
    () => (text === null ? { errors: [], warnings: [] } : validateConfigLocally(value)),
    [text, value],
  );
  const localErrors: ConfigProblem[] = local.errors;
  const problems = serverErrors ?? localErrors;

  const save = useMutation(
    trpc.agentConfigs.save.mutationOptions({
      onError: (error) => {
        // kas answers 400 invalid_config with every problem (line, column, field) in data.errors.
        const data = (error as { data?: { errors?: unknown } }).data;
        if (Array.isArray(data?.errors)) setServerErrors(data.errors as ConfigProblem[]);
      },
      onSuccess: (result) => {
        setSavedVersion({ version: result.version, created: result.created });
        setLoadedVersion(result.version);
        void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.history.queryKey({ agentId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.get.queryKey({ agentId }) });
      },
    }),
  );

  // Reverting saves that version's text as the newest one (kas's agentConfigs.revert); the editor shows it after.
  const revert = useMutation(
    trpc.agentConfigs.revert.mutationOptions({
      onSuccess: (result) => {
        setText(result.yaml);
        setServerErrors(null);
        setSavedVersion({ version: result.version, created: result.created });
        setLoadedVersion(result.version);
        void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.history.queryKey({ agentId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.agentConfigs.get.queryKey({ agentId }) });
      },
    }),
  );

  if (current.error)
    return <ErrorBanner title="Could not load the configuration" message={errorMessage(current.error)} />;
  if (text === null)
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading configuration…</p>;

  // kas stores the keys-not-used-yet warnings in the same list; they are shown above, as you type.
  const pathWarnings = (current.data?.warnings ?? []).filter(
    (w) => !local.warnings.some((u) => u.path === w.path && u.message === w.message),
  );
  const latest = history.data?.find((v) => v.version === current.data?.version);
  const applied = connections.map((c) => `${c.podName}: ${c.configVersion ?? 'none'}`).join(', ');

  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <div className="space-y-2">
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400">
            {current.data
              ? `Live: version ${current.data.version}${latest ? ` by ${latest.authorName ?? 'unknown'}, ${ago(latest.createdAt, now)}` : ''}`
              : 'No configuration saved yet: CI jobs of this agent’s project may use it as the agent.'}
            {applied ? <span className="ml-2">Applied — {applied}</span> : null}
            <span className="ml-2 inline-block">
              <LiveDot
                state={changesState}
                error={changes.error ? { message: errorMessage(changes.error) } : null}
              />
            </span>
          </span>
          {canSave ? (
            <Button
              variant="primary"
              disabled={save.isPending || localErrors.length > 0}
              onClick={() => {
                setServerErrors(null);
                setSavedVersion(null);
                save.mutate({ agentId, yaml: value });
              }}
            >
              Save as new version
            </Button>
          ) : (
            <span className="text-zinc-600 dark:text-zinc-400" data-testid="read-only">
              Read-only: saving needs the Maintainer role in this agent&apos;s project
            </span>
          )}
        </div>
        <YamlEditor
          ref={editor}
          label="Agent configuration (YAML)"
          value={value}
          onChange={(v) => {
            setText(v);
            setServerErrors(null);
            setSavedVersion(null);
          }}
          errors={problems.filter((p): p is ConfigProblem & { line: number } => p.line !== null)}
        />
        {save.error ? (
          <ErrorBanner title="kas refused the configuration" message={errorMessage(save.error)} />
        ) : null}
        {revert.error ? <ErrorBanner title="Could not revert" message={errorMessage(revert.error)} /> : null}
        {current.data && loadedVersion !== null && current.data.version > loadedVersion ? (
          <Notice>
            Version {current.data.version} was saved elsewhere while you edited version {loadedVersion}.{' '}
            <button
              type="button"
              className="underline"
              onClick={() => {
                setText(current.data!.yaml);
                setLoadedVersion(current.data!.version);
              }}
            >
              Load version {current.data.version}
            </button>{' '}
            (discards your edits) or save yours as a newer version.
          </Notice>
        ) : null}
        {savedVersion?.created ? (
          <Notice>
            Saved as version {savedVersion.version}. Connected agentk pods pick it up within seconds.
          </Notice>
        ) : savedVersion ? (
          <Notice>
            Unchanged from version {savedVersion.version}: its projects and groups were looked up again by
            path.
          </Notice>
        ) : null}
        {local.warnings.length ? (
          <Warnings label="Keys not used yet" testId="config-unused-keys" warnings={local.warnings} />
        ) : null}
        {pathWarnings.length && current.data?.yaml === value ? (
          <Warnings label="Configuration warnings" testId="config-warnings" warnings={pathWarnings}>
            {pathWarnings.length} path{pathWarnings.length === 1 ? '' : 's'} of version {current.data.version}{' '}
            named nothing when it was saved; those entries grant nothing. Paths are looked up only on save:
            after creating the project or group, save again (the same text keeps the version).
          </Warnings>
        ) : null}
        {problems.length ? (
          <div
            role="alert"
            aria-label="Configuration errors"
            className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
          >
            <p className="font-medium">
              {problems.length} error{problems.length === 1 ? '' : 's'} — fix{' '}
              {problems.length === 1 ? 'it' : 'them'} to save
            </p>
            <ul className="mt-1 space-y-0.5" data-testid="config-errors">
              {problems.map((p, i) => (
                <li key={i}>
                  {p.line !== null ? (
                    <button
                      type="button"
                      className="underline"
                      onClick={() => editor.current?.goToLine(p.line!)}
                    >
                      line {p.line}
                    </button>
                  ) : null}
                  {p.path ? <code className="mx-1 text-xs">{p.path}</code> : ' '}
                  {p.message}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="text-sm text-emerald-700 dark:text-emerald-400" role="status">
            ✓ Valid configuration
          </p>
        )}
      </div>
      <History
        agentId={agentId}
        versions={history.data ?? []}
        error={history.error}
        liveVersion={current.data?.version ?? null}
        onRevert={
          canSave
            ? (version) => {
                setSavedVersion(null);
                revert.mutate({ agentId, version });
              }
            : null
        }
        reverting={revert.isPending}
      />
    </div>
  );
}

/** Amber, not blocking: the configuration saves, but something in it does less than it seems to. */
function Warnings({
  label,
  testId,
  warnings,
  children,
}: {
  label: string;
  testId: string;
  warnings: { path: string; message: string }[];
  children?: ReactNode;
}) {
  return (
    <div
      role="status"
      aria-label={label}
      className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
    >
      {children ? <p className="mb-1 font-medium">{children}</p> : null}
      <ul className="space-y-0.5" data-testid={testId}>
        {warnings.map((w, i) => (
          <li key={i}>
            <code className="mr-1 text-xs">{w.path}</code>
            {w.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function History({
  agentId,
  versions,
  error,
  liveVersion,
  onRevert,
  reverting,
}: {
  agentId: number;
  versions: { version: number; valid: boolean; authorName: string | null; createdAt: string }[];
  error: unknown;
  liveVersion: number | null;
  /** null when the user may not save. */
  onRevert: ((version: number) => void) | null;
  reverting: boolean;
}) {
  const trpc = useTRPC();
  const now = useNow();
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const left = from ?? versions[1]?.version ?? null;
  const right = to ?? versions[0]?.version ?? null;
  const diff = useQuery({
    ...trpc.agentConfigs.diff.queryOptions({ agentId, from: left ?? 1, to: right ?? 1 }),
    enabled: left !== null && right !== null,
  });
  if (error) return <ErrorBanner title="Could not load the history" message={errorMessage(error)} />;
  if (versions.length === 0)
    return (
      <EmptyState title="No versions yet">Each save creates a version; compare any two here.</EmptyState>
    );
  return (
    <aside className="space-y-3" aria-label="Configuration history">
      <h2 className="text-sm font-semibold">History</h2>
      <ol
        className="max-h-48 divide-y divide-zinc-100 overflow-auto rounded border border-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900"
        data-testid="config-history"
      >
        {versions.map((v) => (
          <li key={v.version} className="flex items-center justify-between gap-2 px-2 py-1">
            <span>
              v{v.version}{' '}
              <span className="text-zinc-600 dark:text-zinc-400">{v.authorName ?? 'unknown'}</span>
              {v.valid ? null : (
                <span className="ml-1 text-xs text-red-700 dark:text-red-400">✕ rejected</span>
              )}
            </span>
            <span className="flex items-center gap-2">
              <time
                dateTime={v.createdAt}
                title={formatTime(v.createdAt)}
                className="text-xs text-zinc-600 dark:text-zinc-400"
              >
                {ago(v.createdAt, now)}
              </time>
              {onRevert && v.valid && v.version !== liveVersion ? (
                <button
                  type="button"
                  className="text-xs underline disabled:opacity-50"
                  disabled={reverting}
                  aria-label={`Revert to version ${v.version}`}
                  title={`Save version ${v.version}'s text as a new version`}
                  onClick={() => onRevert(v.version)}
                >
                  Revert to this version
                </button>
              ) : null}
            </span>
          </li>
        ))}
      </ol>
      {versions.length > 1 ? (
        <div className="space-y-2">
          <div className="flex items-center gap-2 text-sm">
            <label htmlFor="diff-from">Diff</label>
            <select
              id="diff-from"
              className={`${inputClass} w-20`}
              value={left ?? ''}
              onChange={(e) => setFrom(Number(e.target.value))}
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
            <label htmlFor="diff-to">→</label>
            <select
              id="diff-to"
              className={`${inputClass} w-20`}
              value={right ?? ''}
              onChange={(e) => setTo(Number(e.target.value))}
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </div>
          {diff.error ? <ErrorBanner message={errorMessage(diff.error)} /> : null}
          <pre
            className="max-h-80 overflow-auto rounded border border-zinc-200 bg-white p-1 text-xs dark:border-zinc-800 dark:bg-zinc-900"
            data-testid="config-diff"
          >
            {(diff.data?.lines ?? []).map((d, i) => (
              <div
                key={i}
                className={
                  d.op === '+'
                    ? 'bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200'
                    : d.op === '-'
                      ? 'bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200'
                      : ''
                }
              >
                {d.op} {d.text}
              </div>
            ))}
          </pre>
        </div>
      ) : null}
    </aside>
  );
}
