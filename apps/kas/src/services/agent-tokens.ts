// Agent tokens: `mgt-` + 50 characters from [A-Za-z0-9], returned once, stored as sha256. At most
// two active tokens per agent, so rotation is "create the new one, deploy it, revoke the old one".
// verify() is the hot path of every agent call: answered from memory (positive TTL 5 min,
// negative 1 min by default), revocations in this process take effect at once, last_used_at is
// written in batches. Other kas replicas see a revocation within the positive TTL.
import { agents, agentTokens } from '@mooring/db';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Actor } from './actor';
import { recordActivity } from './agent-activity';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { randomAlphanumeric, sha256Hex } from './crypto';
import { ConflictError, NotFoundError } from './errors';
import type { ServiceEvents, TokenRevokedEvent } from './events';
import { createAgentTokenRefusals } from './agent-token-refusals';
import { LastUsedRecorder } from './last-used-recorder';
import { TokenCache } from './token-cache';
import { descriptionSchema, displayNameSchema, parseField } from './validation';

export const AGENT_TOKEN_PREFIX = 'mgt-';
export const MAX_ACTIVE_TOKENS_PER_AGENT = 2;
const AGENT_TOKEN_PATTERN = /^mgt-[A-Za-z0-9]{50}$/;

export interface AgentTokenInfo {
  id: number;
  agentId: number;
  name: string;
  description: string;
  status: 'active' | 'revoked';
  createdBy: number | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface VerifiedAgentToken {
  agentId: number;
  tokenId: number;
  projectId: number;
}

export interface AgentTokenCacheOptions {
  positiveTtlMs: number;
  negativeTtlMs: number;
  lastUsedFlushMs: number;
}

const infoColumns = {
  id: agentTokens.id,
  agentId: agentTokens.agentId,
  name: agentTokens.name,
  description: agentTokens.description,
  status: agentTokens.status,
  createdBy: agentTokens.createdBy,
  createdAt: agentTokens.createdAt,
  revokedAt: agentTokens.revokedAt,
  lastUsedAt: agentTokens.lastUsedAt,
};

export function createAgentTokenService(
  ctx: ServiceContext,
  deps: { events: ServiceEvents; options: AgentTokenCacheOptions },
) {
  const { db, clock, policy } = ctx;
  const cache = new TokenCache<VerifiedAgentToken>(
    clock,
    deps.options.positiveTtlMs,
    deps.options.negativeTtlMs,
  );
  const lastUsed = new LastUsedRecorder(
    clock,
    async (ids, at) => {
      await db.update(agentTokens).set({ lastUsedAt: at }).where(inArray(agentTokens.id, ids));
    },
    deps.options.lastUsedFlushMs,
    deps.events.onListenerError,
  );
  let lookups = 0;
  const refusals = createAgentTokenRefusals(ctx, AGENT_TOKEN_PATTERN);

  function invalidate(tokenIds: number[]): void {
    if (tokenIds.length === 0) return;
    const ids = new Set(tokenIds);
    cache.deleteWhere((v) => ids.has(v.tokenId));
    for (const id of tokenIds) lastUsed.forget(id);
  }

  async function revokeInternal(
    actor: Actor,
    tokenId: number,
    expectAgentId?: number,
  ): Promise<AgentTokenInfo> {
    // One answer for a token that does not exist, belongs to another agent, or to an agent the
    // caller cannot see: a revoke must not reveal which tokens exist or which agent owns one.
    const notFound = () =>
      new NotFoundError(`agent token ${tokenId} not found; list the agent's tokens to find its id`);
    // The agent the caller named is checked first (errors about it name only what they named).
    if (expectAgentId !== undefined)
      await policy.authorize(actor, 'agent:revoke_token', { type: 'agent', id: expectAgentId });
    const [existing] = await db
      .select(infoColumns)
      .from(agentTokens)
      .where(
        expectAgentId === undefined
          ? eq(agentTokens.id, tokenId)
          : and(eq(agentTokens.id, tokenId), eq(agentTokens.agentId, expectAgentId)),
      );
    if (!existing) throw notFound();
    const { agent } = await policy
      .authorize(actor, 'agent:revoke_token', { type: 'agent', id: existing.agentId })
      .catch((err: unknown) => {
        throw err instanceof NotFoundError ? notFound() : err;
      });
    if (existing.status === 'revoked')
      throw new ConflictError(`token ${existing.name} of agent ${agent!.name} is already revoked`);
    const { info, activity } = await db.transaction(async (tx) => {
      const now = clock.now();
      const [row] = await tx
        .update(agentTokens)
        .set({ status: 'revoked', revokedAt: now, revokedBy: actor.userId })
        .where(eq(agentTokens.id, tokenId))
        .returning(infoColumns);
      const activity = await recordActivity(tx, {
        agentId: existing.agentId,
        kind: 'token_revoked',
        actorId: actor.userId,
        details: { tokenId, name: existing.name, by: actor.username },
        at: now,
      });
      await writeAudit(
        tx,
        actor,
        {
          action: 'agent_token.revoke',
          targetType: 'agent_token',
          targetId: tokenId,
          details: { agentId: existing.agentId, name: existing.name },
        },
        clock,
      );
      return { info: row!, activity };
    });
    invalidate([tokenId]);
    deps.events.activityCommitted([activity]);
    const event: TokenRevokedEvent = { tokenId, agentId: existing.agentId };
    deps.events.tokenRevoked.emit(event, deps.events.onListenerError);
    return info;
  }

  return {
    /**
     * Creates a token and returns it once. Needs Maintainer. Refused (ConflictError) when the agent
     * already has 2 active tokens, naming them.
     */
    async create(
      actor: Actor,
      agentId: number,
      input: { name: string; description?: string },
    ): Promise<{ token: string; info: AgentTokenInfo }> {
      const name = parseField(displayNameSchema, input.name, 'name');
      const description = parseField(descriptionSchema, input.description ?? '', 'description');
      const { agent } = await policy.authorize(actor, 'agent:create_token', { type: 'agent', id: agentId });
      const token = AGENT_TOKEN_PREFIX + randomAlphanumeric(50);
      const { info, activity } = await db.transaction(async (tx) => {
        // Lock the agent row: two concurrent creates cannot both see one active token.
        await tx.execute(sql`select 1 from ${agents} where ${agents.id} = ${agentId} for update`);
        const active = await tx
          .select({ name: agentTokens.name })
          .from(agentTokens)
          .where(and(eq(agentTokens.agentId, agentId), eq(agentTokens.status, 'active')))
          .orderBy(asc(agentTokens.id));
        if (active.length >= MAX_ACTIVE_TOKENS_PER_AGENT) {
          throw new ConflictError(
            `agent ${agent!.name} already has ${MAX_ACTIVE_TOKENS_PER_AGENT} active tokens; revoke one (${active.map((t) => t.name).join(', ')}) before creating another`,
          );
        }
        const now = clock.now();
        const [row] = await tx
          .insert(agentTokens)
          .values({
            agentId,
            name,
            description,
            tokenHash: sha256Hex(token),
            createdBy: actor.userId,
            createdAt: now,
          })
          .returning(infoColumns);
        const activity = await recordActivity(tx, {
          agentId,
          kind: 'token_created',
          actorId: actor.userId,
          details: { tokenId: row!.id, name, by: actor.username },
          at: now,
        });
        await writeAudit(
          tx,
          actor,
          {
            action: 'agent_token.create',
            targetType: 'agent_token',
            targetId: row!.id,
            details: { agentId, name },
          },
          clock,
        );
        return { info: row!, activity };
      });
      deps.events.activityCommitted([activity]);
      // A negative cache entry for this exact token is impossible (it did not exist), nothing to drop.
      return { token, info };
    },

    /** Needs Developer. Never returns token values or hashes. */
    async list(actor: Actor, agentId: number): Promise<AgentTokenInfo[]> {
      await policy.authorize(actor, 'agent:read_tokens', { type: 'agent', id: agentId });
      await lastUsed.flush();
      return db
        .select(infoColumns)
        .from(agentTokens)
        .where(eq(agentTokens.agentId, agentId))
        .orderBy(asc(agentTokens.id));
    },

    /** Needs Maintainer. Effective at once in this process; `onRevoked` listeners are told. */
    revoke: (actor: Actor, tokenId: number, agentId?: number) => revokeInternal(actor, tokenId, agentId),

    /** Hot path. Null for malformed, unknown and revoked tokens. */
    async verify(token: string): Promise<VerifiedAgentToken | null> {
      if (typeof token !== 'string' || !AGENT_TOKEN_PATTERN.test(token)) return null;
      const hash = sha256Hex(token);
      const { value } = await cache.get(hash, async () => {
        lookups++;
        const [row] = await db
          .select({ tokenId: agentTokens.id, agentId: agentTokens.agentId, projectId: agents.projectId })
          .from(agentTokens)
          .innerJoin(agents, eq(agents.id, agentTokens.agentId))
          .where(and(eq(agentTokens.tokenHash, hash), eq(agentTokens.status, 'active')));
        return row ?? null;
      });
      if (value) lastUsed.touch(value.tokenId);
      return value;
    },

    /**
     * After verify() answered null: why (malformed, unknown, revoked — the metric's label), recording a revoked
     * token's attempt in its agent's activity (bounded, agent-token-refusals.ts).
     */
    refused: refusals.refused,

    /** Subscribe to revocations (the tunnel closes that token's streams). Returns unsubscribe. */
    onRevoked: (listener: (e: TokenRevokedEvent) => void) => deps.events.tokenRevoked.subscribe(listener),

    invalidate,
    /** Drops all cached verdicts (e.g. after a bulk change made outside this process). */
    clearCache: () => cache.clear(),
    flushLastUsed: () => lastUsed.flush(),
    /** Counters for metrics and the bench: DB lookups made by verify (cache misses). */
    stats: () => ({ dbLookups: lookups, cachedEntries: cache.size }),
    close: () => lastUsed.close(),
  };
}
export type AgentTokenService = ReturnType<typeof createAgentTokenService>;
