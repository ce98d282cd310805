// Personal access tokens: `mpat-` + 40 random characters, shown once, stored as sha256. Scopes:
// api (everything the user may do), read_api (reads only), k8s_proxy (the Kubernetes API proxy).
import { personalAccessTokens, users } from '@mooring/db';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { PAT_SCOPES, type Actor, type PatScope } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { randomAlphanumeric, sha256Hex } from './crypto';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { LastUsedRecorder } from './last-used-recorder';
import { TokenCache } from './token-cache';
import { actorFor, type UserInfo } from './users';
import { displayNameSchema, parseField } from './validation';

export const PAT_PREFIX = 'mpat-';
const PAT_PATTERN = /^mpat-[A-Za-z0-9]{40}$/;

export interface PersonalAccessTokenInfo {
  id: number;
  userId: number;
  name: string;
  scopes: PatScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface VerifiedPat {
  patId: number;
  scopes: PatScope[];
  user: Pick<UserInfo, 'id' | 'username' | 'isAdmin'>;
  /** The actor to pass to services for this request (scopes included). */
  actor: Actor;
}

interface CachedPat {
  patId: number;
  scopes: PatScope[];
  expiresAt: number | null;
  user: { id: number; username: string; isAdmin: boolean };
}

const infoColumns = {
  id: personalAccessTokens.id,
  userId: personalAccessTokens.userId,
  name: personalAccessTokens.name,
  scopes: personalAccessTokens.scopes,
  expiresAt: personalAccessTokens.expiresAt,
  lastUsedAt: personalAccessTokens.lastUsedAt,
  revokedAt: personalAccessTokens.revokedAt,
  createdAt: personalAccessTokens.createdAt,
};

const scopesSchema = z
  .array(z.enum(PAT_SCOPES, { error: `each scope must be one of ${PAT_SCOPES.join(', ')}` }))
  .min(1, `needs at least one scope: ${PAT_SCOPES.join(', ')}`)
  .max(3);

export function createPersonalAccessTokenService(
  ctx: ServiceContext,
  options: { positiveTtlMs: number; negativeTtlMs: number; lastUsedFlushMs: number },
) {
  const { db, clock } = ctx;
  const cache = new TokenCache<CachedPat>(clock, options.positiveTtlMs, options.negativeTtlMs);
  const lastUsed = new LastUsedRecorder(
    clock,
    async (ids, at) => {
      await db
        .update(personalAccessTokens)
        .set({ lastUsedAt: at })
        .where(inArray(personalAccessTokens.id, ids));
    },
    options.lastUsedFlushMs,
  );

  function ownerCheck(actor: Actor, userId: number) {
    if (actor.userId !== userId && !actor.isAdmin) {
      throw new NotFoundError('personal access token not found; you can only manage your own tokens');
    }
  }

  return {
    /** Returns the token once; only its hash is stored. `expiresAt` null = never (discouraged). */
    async create(
      actor: Actor,
      input: { name: string; scopes: PatScope[]; expiresAt?: Date | null },
    ): Promise<{ token: string; info: PersonalAccessTokenInfo }> {
      ctx.policy.authorizeGlobal(actor, 'self:manage_tokens');
      if (actor.userId === null)
        throw new ValidationError('actor', 'personal access tokens belong to a user; sign in first');
      const name = parseField(displayNameSchema, input.name, 'name');
      const scopes = [...new Set(parseField(scopesSchema, input.scopes, 'scopes'))];
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt && expiresAt.getTime() <= clock.now().getTime()) {
        throw new ValidationError('expiresAt', 'expiresAt must be in the future');
      }
      const token = PAT_PREFIX + randomAlphanumeric(40);
      const userId = actor.userId;
      const info = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(personalAccessTokens)
          .values({ userId, name, scopes, expiresAt, tokenHash: sha256Hex(token), createdAt: clock.now() })
          .returning(infoColumns);
        await writeAudit(
          tx,
          actor,
          {
            action: 'personal_access_token.create',
            targetType: 'personal_access_token',
            targetId: row!.id,
            details: { name, scopes },
          },
          clock,
        );
        return row!;
      });
      return { token, info };
    },

    async list(actor: Actor, userId = actor.userId ?? -1): Promise<PersonalAccessTokenInfo[]> {
      ownerCheck(actor, userId);
      return db
        .select(infoColumns)
        .from(personalAccessTokens)
        .where(eq(personalAccessTokens.userId, userId))
        .orderBy(desc(personalAccessTokens.id));
    },

    async revoke(actor: Actor, patId: number): Promise<PersonalAccessTokenInfo> {
      const [existing] = await db
        .select(infoColumns)
        .from(personalAccessTokens)
        .where(eq(personalAccessTokens.id, patId));
      // One answer for a missing token and another user's: a revoke reveals nothing of others' tokens.
      if (!existing || (actor.userId !== existing.userId && !actor.isAdmin))
        throw new NotFoundError(
          `personal access token ${patId} not found among your tokens; list your tokens to find its id`,
        );
      if (existing.revokedAt)
        throw new ConflictError(`personal access token ${existing.name} is already revoked`);
      const info = await db.transaction(async (tx) => {
        const [row] = await tx
          .update(personalAccessTokens)
          .set({ revokedAt: clock.now() })
          .where(eq(personalAccessTokens.id, patId))
          .returning(infoColumns);
        await writeAudit(
          tx,
          actor,
          {
            action: 'personal_access_token.revoke',
            targetType: 'personal_access_token',
            targetId: patId,
            details: { name: existing.name },
          },
          clock,
        );
        return row!;
      });
      cache.deleteWhere((v) => v.patId === patId);
      lastUsed.forget(patId);
      ctx.events.accessChangedFor([existing.userId], 'personal access token revoked');
      return info;
    },

    /**
     * Hot path (REST with PAT, Kubernetes proxy). Null for unknown, revoked, expired tokens and
     * disabled users; with `requiredScope`, also null when the token lacks it. Cached in memory.
     */
    async verify(token: string, requiredScope?: PatScope): Promise<VerifiedPat | null> {
      if (typeof token !== 'string' || !PAT_PATTERN.test(token)) return null;
      const { value } = await cache.get(sha256Hex(token), async () => {
        const [row] = await db
          .select({
            patId: personalAccessTokens.id,
            scopes: personalAccessTokens.scopes,
            expiresAt: personalAccessTokens.expiresAt,
            userId: users.id,
            username: users.username,
            isAdmin: users.isAdmin,
          })
          .from(personalAccessTokens)
          .innerJoin(users, eq(users.id, personalAccessTokens.userId))
          .where(
            and(
              eq(personalAccessTokens.tokenHash, sha256Hex(token)),
              isNull(personalAccessTokens.revokedAt),
              eq(users.disabled, false),
            ),
          );
        if (!row) return null;
        return {
          patId: row.patId,
          scopes: row.scopes,
          expiresAt: row.expiresAt?.getTime() ?? null,
          user: { id: row.userId, username: row.username, isAdmin: row.isAdmin },
        };
      });
      if (!value) return null;
      if (value.expiresAt !== null && value.expiresAt <= clock.now().getTime()) return null;
      if (requiredScope && !value.scopes.includes(requiredScope)) return null;
      lastUsed.touch(value.patId);
      return {
        patId: value.patId,
        scopes: value.scopes,
        user: value.user,
        actor: actorFor(value.user, { scopes: value.scopes }),
      };
    },

    /** Called when a user is disabled, demoted or changes password. */
    invalidateUser(userId: number): void {
      cache.deleteWhere((v) => v.user.id === userId);
    },

    flushLastUsed: () => lastUsed.flush(),
    close: () => lastUsed.close(),
  };
}
export type PersonalAccessTokenService = ReturnType<typeof createPersonalAccessTokenService>;
