// Console sessions: a random id goes into the httpOnly cookie, only its sha256 is stored.
// CSRF tokens are an HMAC of the session, so they need no storage and die with the session.
import { randomBytes } from 'node:crypto';
import { BoundedTtlCache } from '@mooring/modules/shared/bounded-cache';
import { sessions, users } from '@mooring/db';
import { and, eq, gt, lt } from 'drizzle-orm';
import { writeAudit, type AuditService } from './audit';
import type { ServiceContext } from './context';
import { deriveKey, dummyPasswordHash, hmacBase64Url, safeEqual, sha256Hex, verifyPassword } from './crypto';
import { UnauthenticatedError } from './errors';
import type { LoginThrottle } from './login-throttle';
import { actorFor, type UserInfo, type UserService } from './users';

export interface SessionOptions {
  /** Sliding lifetime; each use (at most once a minute) pushes expiry out again. Default 12 h. */
  ttlSeconds?: number;
}

/**
 * Unknown session ids are remembered this long (and at most this many), so a client repeating a made-up or stale
 * cookie costs one query per window, not one per request. A new session's id is random and never looked up before
 * it exists, so the cache cannot hide a real session.
 */
export const UNKNOWN_SESSION_CACHE = { ttlMs: 5_000, maxEntries: 10_000 } as const;

export interface LoginResult {
  /** Raw session id for the cookie; not stored, not retrievable again. */
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserInfo;
}

export interface ResolvedSession {
  user: UserInfo;
  expiresAt: Date;
}

export function createSessionService(
  ctx: ServiceContext,
  deps: { users: UserService; throttle: LoginThrottle; audit: AuditService; options?: SessionOptions },
) {
  const { db, clock } = ctx;
  const ttlMs = (deps.options?.ttlSeconds ?? 12 * 3600) * 1000;
  const csrfKey = deriveKey(ctx.secret, 'csrf');

  const csrfTokenFor = (sessionId: string) => hmacBase64Url(csrfKey, sha256Hex(sessionId));
  const unknown = new BoundedTtlCache<string, true>({
    ...UNKNOWN_SESSION_CACHE,
    now: () => clock.now().getTime(),
  });

  /** A failed sign-in for the audit log: the name as typed (bounded, no control characters), never the password. */
  async function recordFailure(username: string, address: string, reason: string): Promise<void> {
    // eslint-disable-next-line no-control-regex
    const typed = username.slice(0, 64).replace(/[\u0000-\u001f\u007f]/g, '?');
    await deps.audit.recordSecurityEvent(
      { userId: null, username: 'anonymous', isAdmin: false, address },
      { action: 'session.login_failed', targetType: 'user', targetId: typed, details: { reason } },
    );
  }

  return {
    /**
     * Charges the throttle first (RateLimitedError, no hashing), then checks the password. Wrong username
     * and wrong password give the same UnauthenticatedError and cost the same time.
     */
    async login(input: {
      username: string;
      password: string;
      address: string;
      userAgent?: string;
    }): Promise<LoginResult> {
      const username = String(input.username ?? '');
      const address = input.address || 'unknown';
      deps.throttle.charge(username, address);
      const user = username.length <= 64 ? await deps.users.getByUsername(username) : null;
      const password = String(input.password ?? '').slice(0, 1024);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
      if (!user || !ok) {
        await recordFailure(username, address, user ? 'wrong_password' : 'unknown_user');
        throw new UnauthenticatedError(
          'wrong username or password; after 5 failed attempts logins from this address pause for 5 minutes',
        );
      }
      if (user.disabled) {
        await recordFailure(username, address, 'account_disabled');
        throw new UnauthenticatedError(
          `the account ${user.username} is disabled; ask an administrator to enable it`,
        );
      }
      deps.throttle.recordSuccess(username, address);
      const sessionId = randomBytes(32).toString('base64url');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlMs);
      await db.transaction(async (tx) => {
        await tx.insert(sessions).values({
          idHash: sha256Hex(sessionId),
          userId: user.id,
          createdAt: now,
          lastSeenAt: now,
          expiresAt,
          address,
          userAgent: input.userAgent?.slice(0, 512) ?? null,
        });
        await writeAudit(
          tx,
          actorFor(user, { address }),
          { action: 'session.login', targetType: 'user', targetId: user.id },
          clock,
        );
      });
      const { passwordHash: _omit, ...info } = user;
      return { sessionId, csrfToken: csrfTokenFor(sessionId), expiresAt, user: info };
    },

    /** The session's user, or null when unknown, expired or the user is disabled. */
    async resolve(sessionId: string): Promise<ResolvedSession | null> {
      if (!sessionId || sessionId.length > 256) return null;
      const now = clock.now();
      const idHash = sha256Hex(sessionId);
      if (unknown.has(idHash)) return null;
      const [row] = await db
        .select({
          expiresAt: sessions.expiresAt,
          lastSeenAt: sessions.lastSeenAt,
          user: {
            id: users.id,
            username: users.username,
            name: users.name,
            email: users.email,
            isAdmin: users.isAdmin,
            disabled: users.disabled,
            createdAt: users.createdAt,
          },
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)));
      if (!row) {
        unknown.set(idHash, true);
        return null;
      }
      if (row.user.disabled) return null;
      let expiresAt = row.expiresAt;
      if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
        expiresAt = new Date(now.getTime() + ttlMs);
        await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.idHash, idHash));
      }
      return { user: row.user, expiresAt };
    },

    /** Ends the session; the live streams it opened end at once (they re-authenticate on accessChanged). */
    async logout(sessionId: string, address?: string): Promise<void> {
      const idHash = sha256Hex(sessionId);
      const userId = await db.transaction(async (tx) => {
        const [row] = await tx
          .delete(sessions)
          .where(eq(sessions.idHash, idHash))
          .returning({ userId: sessions.userId });
        if (!row) return null;
        const [user] = await tx
          .select({ id: users.id, username: users.username, isAdmin: users.isAdmin })
          .from(users)
          .where(eq(users.id, row.userId));
        if (user)
          await writeAudit(
            tx,
            actorFor(user, { address }),
            { action: 'session.logout', targetType: 'user', targetId: user.id },
            clock,
          );
        return row.userId;
      });
      if (userId !== null) ctx.events.accessChangedFor([userId], 'signed out');
    },

    /** The CSRF token for a session (same value every time; send it with the login response). */
    csrfToken: csrfTokenFor,

    verifyCsrf(sessionId: string, token: string | null | undefined): boolean {
      return !!token && safeEqual(csrfTokenFor(sessionId), token);
    },

    /**
     * Deletes expired sessions; kas calls this hourly. Live streams still open on one of them end. Returns how
     * many went.
     */
    async purgeExpired(): Promise<number> {
      const gone = await db
        .delete(sessions)
        .where(lt(sessions.expiresAt, clock.now()))
        .returning({ userId: sessions.userId });
      const userIds = [...new Set(gone.map((g) => g.userId))];
      if (userIds.length > 0) ctx.events.accessChangedFor(userIds, 'session expired');
      return gone.length;
    },
  };
}
export type SessionService = ReturnType<typeof createSessionService>;
