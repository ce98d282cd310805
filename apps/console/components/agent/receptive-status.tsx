'use client';
// What the receptive form shows besides its fields: kas's dial-out state for the saved endpoint (read every 2 s while
// the tab is open) and the answer of Test connection, step by step.
import { Badge, type Tone } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';

import { useTRPC } from '../../lib/trpc';

const STEP_NAMES: Record<string, string> = {
  resolve: 'Resolve the address',
  connect: 'Connect (TCP)',
  tls: 'TLS: agentk’s certificate',
  handshake: 'Receptive handshake (JWT or client certificate)',
};

const STEP_TONES: Record<string, { tone: Tone; word: string }> = {
  ok: { tone: 'ok', word: 'passed' },
  failed: { tone: 'bad', word: 'failed' },
  skipped: { tone: 'muted', word: 'skipped' },
  not_reached: { tone: 'muted', word: 'not reached' },
};

export interface ReceptiveTestAnswer {
  ok: boolean;
  steps: { step: string; status: string }[];
  failure: { kind: string; problem: string; fix: string } | null;
  note: string | null;
}

export function ReceptiveTestResult({ answer }: { answer: ReceptiveTestAnswer }) {
  return (
    <div role="status" className="space-y-2 text-sm" data-testid="receptive-test-result">
      <p className="font-medium">
        {answer.ok ? 'Test connection passed' : 'Test connection failed'}
        {answer.failure ? `: ${answer.failure.problem}` : ''}
      </p>
      <ol className="space-y-1">
        {answer.steps.map((s) => {
          const shown = STEP_TONES[s.status] ?? { tone: 'muted' as const, word: s.status };
          return (
            <li key={s.step} className="flex items-center gap-2" data-step={s.step} data-status={s.status}>
              <Badge tone={shown.tone}>{shown.word}</Badge>
              <span>{STEP_NAMES[s.step] ?? s.step}</span>
            </li>
          );
        })}
      </ol>
      {answer.failure ? <p className="text-zinc-700 dark:text-zinc-300">Fix: {answer.failure.fix}</p> : null}
      {answer.note ? <p className="text-zinc-600 dark:text-zinc-400">{answer.note}</p> : null}
    </div>
  );
}

const STATE_VIEW: Record<string, { tone: Tone; word: string; hint: string }> = {
  connected: { tone: 'ok', word: 'Connected', hint: 'kas dialed agentk and the link is up' },
  dialing: { tone: 'info', word: 'Dialing', hint: 'kas is opening the connection' },
  failing: { tone: 'bad', word: 'Failing', hint: 'kas retries with backoff' },
  standby: {
    tone: 'muted',
    word: 'Another kas dials',
    hint: 'another kas replica holds this agent’s dial-out lease',
  },
};

export interface DialOutState {
  state: string;
  error: string | null;
}

/** Every visible receptive agent's dial-out state, read every 5 s — only while `enabled` (a receptive row shown). */
export function useReceptiveStates(enabled: boolean): Map<number, DialOutState> {
  const trpc = useTRPC();
  const states = useQuery({ ...trpc.receptive.states.queryOptions({}), enabled, refetchInterval: 5_000 });
  return new Map((states.data ?? []).map((s) => [s.agentId, s]));
}

/** The clusters overview's receptive badge: the mode and, once kas answered, its dial-out state. */
export function ReceptiveBadge({ dialOut }: { dialOut: DialOutState | undefined }) {
  const view = dialOut ? STATE_VIEW[dialOut.state] : undefined;
  return (
    <span data-testid="receptive-badge" data-state={dialOut?.state ?? 'unknown'}>
      <Badge
        tone={view?.tone ?? 'info'}
        title={
          dialOut?.error ??
          (view ? `kas dials this agent: ${view.hint}` : 'kas dials this agent (receptive mode)')
        }
      >
        {view ? `Receptive · ${view.word}` : 'Receptive'}
      </Badge>
    </span>
  );
}

/** The dial-out state of the saved endpoint, as this kas sees it. */
export function ReceptiveDialOutState({
  agentId,
  podsConnected,
}: {
  agentId: number;
  podsConnected: number;
}) {
  const trpc = useTRPC();
  const state = useQuery({ ...trpc.receptive.state.queryOptions({ agentId }), refetchInterval: 2_000 });
  if (!state.data || state.data.state === 'none') return null;
  const view = STATE_VIEW[state.data.state]!;
  return (
    <div className="space-y-1 text-sm" data-testid="receptive-dial-out" data-state={state.data.state}>
      <p className="flex items-center gap-2">
        <span className="text-zinc-600 dark:text-zinc-400">Dial-out</span>
        <Badge tone={view.tone} title={view.hint}>
          {view.word}
        </Badge>
        {state.data.since ? (
          <span className="text-xs text-zinc-500">
            since {new Date(state.data.since).toLocaleTimeString()}
          </span>
        ) : null}
      </p>
      {state.data.error ? <p className="text-red-700 dark:text-red-400">{state.data.error}</p> : null}
      {/* One endpoint, one link: with the dial-out up, every other connected pod dialed in itself. */}
      {state.data.state === 'connected' && podsConnected > 1 ? (
        <p className="text-zinc-600 dark:text-zinc-400" data-testid="receptive-also-dialed-in">
          kas dials one pod of this agent; {podsConnected - 1} more{' '}
          {podsConnected === 2 ? 'pod dials' : 'pods dial'} in to kas. Both ways serve.
        </p>
      ) : null}
    </div>
  );
}
