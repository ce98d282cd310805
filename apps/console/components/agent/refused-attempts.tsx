'use client';
import { ago, formatTime } from '../../lib/time';
import { useAgentActivity } from '../../lib/use-activity';
import { useNow } from '../../lib/use-now';

/** How many of kas's kept refusals (at most 20 per agent) the Connect tab lists. */
const shown = 5;

/**
 * The newest connection attempts kas refused and could attribute to this agent (a revoked token of it; kas writes
 * one a minute per token, apps/kas/src/services/agent-token-refusals.ts), with what to do. Nothing when there are none.
 */
export function RefusedAttempts({ agentId }: { agentId: number }) {
  const now = useNow();
  const activity = useAgentActivity(agentId);
  const refused = (activity.rows ?? []).filter((r) => r.kind === 'connect_refused').slice(0, shown);
  if (refused.length === 0) return null;
  return (
    <section
      aria-labelledby="refused-title"
      className="space-y-1 rounded border border-amber-300 bg-amber-50 px-3 py-2 dark:border-amber-800 dark:bg-amber-950"
    >
      <h2 id="refused-title" className="font-semibold">
        Refused connection attempts
      </h2>
      <ul className="space-y-1" data-testid="refused-attempts">
        {refused.map((r) => (
          <li key={r.id}>
            <time
              dateTime={r.createdAt}
              title={formatTime(r.createdAt)}
              className="text-zinc-600 dark:text-zinc-400"
            >
              {ago(r.createdAt, now)}
            </time>{' '}
            agentk used token <strong>{String(r.details.token ?? r.details.tokenId ?? '?')}</strong>, which is{' '}
            {String(r.details.reason ?? 'refused')}: {String(r.details.fix ?? '')}
          </li>
        ))}
      </ul>
    </section>
  );
}
