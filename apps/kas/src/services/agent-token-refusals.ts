// Why kas refused an agent token, and — when the token belongs to an agent (a revoked token of it) — one line in
// that agent's activity, so its page says why agentk does not connect. An outsider chooses the tokens, so every part
// is bounded: lookups are cached per token hash for a minute (a flood of random tokens costs one query per token per
// minute, in a bounded cache), at most one row is written per token a minute (per kas process), and only the
// newest CONNECT_REFUSED_KEPT rows of an agent are kept. Unknown tokens belong to nobody: they only count in a metric.
import { agentActivity, agentTokens } from '@mooring/db';
import { BoundedTtlCache } from '@mooring/modules/shared/bounded-cache';
import { and, eq, sql } from 'drizzle-orm';
import { recordActivity } from './agent-activity';
import type { ServiceContext } from './context';
import { sha256Hex } from './crypto';

/** Why a token was refused: the closed label set of mooring_kas_agent_token_rejected_total. */
export const TOKEN_REFUSAL_REASONS = ['malformed', 'unknown', 'revoked'] as const;
export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

/** Refused connection attempts kept per agent (older ones are deleted as new ones come). */
export const CONNECT_REFUSED_KEPT = 20;
/** At most one activity row per token in this window. */
export const CONNECT_REFUSED_INTERVAL_MS = 60_000;
const MAX_TRACKED_TOKENS = 50_000;

interface OwnedToken {
  tokenId: number;
  agentId: number;
  name: string;
}

export function createAgentTokenRefusals(ctx: ServiceContext, tokenPattern: RegExp) {
  const { db, clock } = ctx;
  const now = () => clock.now().getTime();
  const owners = new BoundedTtlCache<string, OwnedToken | null>({
    maxEntries: MAX_TRACKED_TOKENS,
    ttlMs: CONNECT_REFUSED_INTERVAL_MS,
    now,
  });
  const written = new BoundedTtlCache<number, true>({
    maxEntries: MAX_TRACKED_TOKENS,
    ttlMs: CONNECT_REFUSED_INTERVAL_MS,
    now,
  });

  async function ownerOf(hash: string): Promise<OwnedToken | null> {
    const cached = owners.get(hash);
    if (cached !== undefined) return cached;
    const [row] = await db
      .select({ tokenId: agentTokens.id, agentId: agentTokens.agentId, name: agentTokens.name })
      .from(agentTokens)
      .where(and(eq(agentTokens.tokenHash, hash), eq(agentTokens.status, 'revoked')));
    owners.set(hash, row ?? null);
    return row ?? null;
  }

  return {
    /**
     * Called after verify() refused `token`: classifies it and, for a revoked token, records `connect_refused` on its
     * agent (at most once a minute per token).
     */
    async refused(token: string): Promise<TokenRefusalReason> {
      if (typeof token !== 'string' || !tokenPattern.test(token)) return 'malformed';
      const owner = await ownerOf(sha256Hex(token));
      if (!owner) return 'unknown';
      if (written.has(owner.tokenId)) return 'revoked';
      // Marked before the write: concurrent attempts with this token write one row, not one each.
      written.set(owner.tokenId, true);
      const row = await db
        .transaction(async (tx) => {
          const recorded = await recordActivity(tx, {
            agentId: owner.agentId,
            kind: 'connect_refused',
            details: {
              reason: 'revoked',
              token: owner.name,
              tokenId: owner.tokenId,
              fix: "create a new token in the Tokens tab, put it in agentk's token file and restart agentk",
            },
            at: clock.now(),
          });
          await tx.execute(sql`
          delete from ${agentActivity}
          where ${agentActivity.agentId} = ${owner.agentId}
            and ${agentActivity.kind} = 'connect_refused'
            and ${agentActivity.id} < (
              select ${agentActivity.id} from ${agentActivity}
              where ${agentActivity.agentId} = ${owner.agentId} and ${agentActivity.kind} = 'connect_refused'
              order by ${agentActivity.id} desc
              offset ${CONNECT_REFUSED_KEPT - 1} limit 1
            )`);
          return recorded;
        })
        // The refusal stands: a failed write is reported, never turned into "kas could not verify the token".
        .catch((err: unknown) => {
          ctx.events.onListenerError(err);
          return null;
        });
      ctx.events.activityCommitted([row]);
      return 'revoked';
    },
  };
}
export type AgentTokenRefusals = ReturnType<typeof createAgentTokenRefusals>;
