import { describeWithDatabases } from '@mooring/db/testing/backends';
import { personalAccessTokens, selectRows, auditLog, sessions } from '@mooring/db';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { sha256Hex } from './crypto';
import { createServices } from './index';
import { UNKNOWN_SESSION_CACHE } from './sessions';
import { ForbiddenError, RateLimitedError, UnauthenticatedError, ValidationError } from './errors';
import { SECURITY_EVENTS_PER_MINUTE } from './audit';
import { buildWorld, type World } from './testing/fixtures';

describeWithDatabases('identity services', ({ backend, database }) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(database().db);
  });

  it('creates the first admin once and reports a generated password only then', async () => {
    // The world already created an admin on this database: a second call changes nothing.
    await expect(w.services.users.ensureInitialAdmin()).resolves.toEqual({ created: false });
    const login = await w.services.sessions.login({
      username: 'admin',
      password: 'initial-admin-pw',
      address: '127.0.0.1',
    });
    expect(login.user.isAdmin).toBe(true);
  });

  it('generates a printable admin password on an empty database', async () => {
    const { openTestDatabase } = await import('@mooring/db/testing/backends');
    const fresh = await openTestDatabase(backend);
    try {
      const s = createServices({ db: fresh.db, secret: Buffer.alloc(32, 7) });
      const res = await s.users.ensureInitialAdmin();
      expect(res).toMatchObject({ created: true, username: 'admin', generated: true });
      if (!res.created) return;
      expect(res.password.length).toBeGreaterThanOrEqual(20);
      await expect(
        s.sessions.login({ username: 'admin', password: res.password, address: 'a' }),
      ).resolves.toBeTruthy();
    } finally {
      await fresh.dispose();
    }
  });

  it('logs in, resolves and logs out a session; the id is stored only hashed', async () => {
    const username = Object.keys(w.passwords)[0]!;
    const login = await w.services.sessions.login({
      username,
      password: w.passwords[username]!,
      address: '10.1.1.1',
    });
    expect(login.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await selectRows<{ id_hash: string }>(database().db, sql`select id_hash from sessions`);
    expect(stored.some((r) => r.id_hash === login.sessionId)).toBe(false);
    expect((await w.services.sessions.resolve(login.sessionId))?.user.username).toBe(username);
    expect(w.services.sessions.verifyCsrf(login.sessionId, login.csrfToken)).toBe(true);
    expect(w.services.sessions.verifyCsrf(login.sessionId, 'forged')).toBe(false);
    expect(w.services.sessions.verifyCsrf(login.sessionId, undefined)).toBe(false);
    await w.services.sessions.logout(login.sessionId);
    expect(await w.services.sessions.resolve(login.sessionId)).toBeNull();
  });

  it('remembers an unknown session id briefly instead of querying for it on every request', async () => {
    const madeUp = 'x'.repeat(43);
    expect(await w.services.sessions.resolve(madeUp)).toBeNull();
    // The row appears behind the cache's back: within the window the cached answer stands, after it the query runs.
    const now = w.clock.now();
    await database()
      .db.insert(sessions)
      .values({
        idHash: sha256Hex(madeUp),
        userId: w.actors.reporter.userId!,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 3600_000),
      });
    expect(await w.services.sessions.resolve(madeUp)).toBeNull();
    w.clock.advance(UNKNOWN_SESSION_CACHE.ttlMs);
    expect((await w.services.sessions.resolve(madeUp))?.user.id).toBe(w.actors.reporter.userId);
    await w.services.sessions.logout(madeUp);
  });

  it('expires sessions after their lifetime', async () => {
    const username = Object.keys(w.passwords)[1]!;
    const login = await w.services.sessions.login({
      username,
      password: w.passwords[username]!,
      address: 'x',
    });
    w.clock.advance(13 * 3600 * 1000);
    expect(await w.services.sessions.resolve(login.sessionId)).toBeNull();
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    const username = Object.keys(w.passwords)[2]!;
    const wrong = await w.services.sessions
      .login({ username, password: 'nope', address: 'y' })
      .catch((e: unknown) => e);
    const unknown = await w.services.sessions
      .login({ username: 'nobody-here', password: 'nope', address: 'y' })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(UnauthenticatedError);
    expect((unknown as Error).message).toBe((wrong as Error).message);
    // Both are in the audit log for administrators, with why (never the password).
    const rows = await w.services.audit.list(w.admin, { action: 'session.login_failed', limit: 10 });
    expect(rows.slice(0, 2).map((r) => [r.targetId, r.details, r.address, r.actorName])).toEqual([
      ['nobody-here', { reason: 'unknown_user' }, 'y', 'anonymous'],
      [username, { reason: 'wrong_password' }, 'y', 'anonymous'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('nope');
  });

  it('writes at most SECURITY_EVENTS_PER_MINUTE security events a minute and says how many were left out', async () => {
    const event = (n: number) => ({ action: 'test.flood', targetType: 'test', targetId: `${backend}-${n}` });
    const anonymous = { userId: null, username: 'anonymous', isAdmin: false };
    w.clock.advance(60_000); // a fresh window: the failed sign-ins above count in the current one
    for (let n = 0; n < SECURITY_EVENTS_PER_MINUTE + 5; n++)
      await w.services.audit.recordSecurityEvent(anonymous, event(n));
    const flood = () => w.services.audit.list(w.admin, { action: 'test.flood', limit: 1000 });
    expect((await flood()).length).toBe(SECURITY_EVENTS_PER_MINUTE);
    w.clock.advance(60_000);
    await w.services.audit.recordSecurityEvent(anonymous, event(-1));
    expect((await flood())[0]).toMatchObject({ targetId: `${backend}--1`, details: { leftOutBefore: 5 } });
  });

  it('throttles after 5 failures per (user, address) before checking the password, then recovers', async () => {
    const username = Object.keys(w.passwords)[3]!;
    const password = w.passwords[username]!;
    for (let i = 0; i < 5; i++) {
      await expect(
        w.services.sessions.login({ username, password: `bad${i}`, address: '203.0.113.9' }),
      ).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    const limited = await w.services.sessions
      .login({ username, password, address: '203.0.113.9' })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    // 10,000 further attempts are refused by the throttle (no scrypt), and the process stays fine.
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      try {
        await w.services.sessions.login({ username, password: 'x', address: '203.0.113.9' });
      } catch (e) {
        if (e instanceof RateLimitedError) refused++;
      }
    }
    expect(refused).toBe(10_000);
    // Another address is not affected; after the lock the right password works again.
    await expect(
      w.services.sessions.login({ username, password, address: '198.51.100.1' }),
    ).resolves.toBeTruthy();
    w.clock.advance(((limited as RateLimitedError).retryAfterSeconds + 1) * 1000);
    await expect(
      w.services.sessions.login({ username, password, address: '203.0.113.9' }),
    ).resolves.toBeTruthy();
  });

  it('refuses disabled users and ends their sessions', async () => {
    const target = w.actors.guest;
    const password = w.passwords[target.username]!;
    const login = await w.services.sessions.login({ username: target.username, password, address: 'z' });
    await w.services.users.update(w.admin, target.userId!, { disabled: true });
    expect(await w.services.sessions.resolve(login.sessionId)).toBeNull();
    await expect(
      w.services.sessions.login({ username: target.username, password, address: 'z' }),
    ).rejects.toThrow(/disabled; ask an administrator/);
    await w.services.users.update(w.admin, target.userId!, { disabled: false });
  });

  it('changes passwords: users need their current one, and other sessions end', async () => {
    const actor = w.actors.reporter;
    const old = w.passwords[actor.username]!;
    const session = await w.services.sessions.login({
      username: actor.username,
      password: old,
      address: 'p',
    });
    const wrong = await w.services.users
      .changePassword(actor, actor.userId!, { currentPassword: 'wrong-one', newPassword: 'new-password-1' })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ValidationError);
    expect((wrong as ValidationError).field).toBe('currentPassword');
    await w.services.users.changePassword(actor, actor.userId!, {
      currentPassword: old,
      newPassword: 'new-password-1',
    });
    expect(await w.services.sessions.resolve(session.sessionId)).toBeNull();
    await expect(
      w.services.sessions.login({ username: actor.username, password: old, address: 'p' }),
    ).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(
      w.services.sessions.login({ username: actor.username, password: 'new-password-1', address: 'p' }),
    ).resolves.toBeTruthy();
    await expect(
      w.services.users.changePassword(w.actors.owner, actor.userId!, { newPassword: 'hijacked-pw' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await w.services.users.changePassword(w.admin, actor.userId!, { newPassword: old });
  });

  it('validates user input and keeps unicode names verbatim', async () => {
    const e = await w.services.users
      .create(w.admin, { username: "x'; drop table users;--", password: 'longenough' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe('username');
    await expect(
      w.services.users.create(w.admin, { username: 'shortpw', password: 'short' }),
    ).rejects.toThrow(/password: must be at least 8 characters/);
    const u = await w.services.users.create(w.admin, {
      username: `uni-${Date.now()}`,
      password: 'longenough',
      name: 'Zoë 🚢 <script>',
    });
    expect(u.name).toBe('Zoë 🚢 <script>');
    await expect(
      w.services.users.create(w.actors.owner, { username: 'nope', password: 'longenough' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('issues personal access tokens shown once, hashed, with scopes, expiry and revocation', async () => {
    const actor = w.actors.developer;
    const { token, info } = await w.services.personalAccessTokens.create(actor, {
      name: 'laptop',
      scopes: ['read_api', 'k8s_proxy'],
      expiresAt: new Date(w.clock.now().getTime() + 86_400_000),
    });
    expect(token).toMatch(/^mpat-[A-Za-z0-9]{40}$/);
    const [row] = await database()
      .db.select()
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.id, info.id));
    expect(row!.tokenHash).not.toContain(token);
    expect(JSON.stringify(await w.services.personalAccessTokens.list(actor))).not.toContain(token);

    const verified = await w.services.personalAccessTokens.verify(token);
    expect(verified?.user.id).toBe(actor.userId);
    expect(verified?.actor.scopes).toEqual(['read_api', 'k8s_proxy']);
    expect(await w.services.personalAccessTokens.verify(token, 'k8s_proxy')).not.toBeNull();
    expect(await w.services.personalAccessTokens.verify(token, 'api')).toBeNull();
    expect(await w.services.personalAccessTokens.verify('mpat-' + 'A'.repeat(40))).toBeNull();
    expect(await w.services.personalAccessTokens.verify('garbage')).toBeNull();

    // read_api may read but not write, with a reason naming the scope.
    const readOnly = verified!.actor;
    await expect(w.services.projects.get(readOnly, w.projectId)).resolves.toMatchObject({ id: w.projectId });
    const forbidden = await w.services.groups
      .create(readOnly, { name: 'n', path: 'p-readonly' })
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect((forbidden as Error).message).toMatch(/scopes \[read_api, k8s_proxy\].*api scope/);

    // last_used_at is written in batches, not per call.
    expect(
      (
        await database().db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, info.id))
      )[0]!.lastUsedAt,
    ).toBeNull();
    await w.services.personalAccessTokens.flushLastUsed();
    expect(
      (
        await database().db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, info.id))
      )[0]!.lastUsedAt,
    ).not.toBeNull();

    // Other users cannot revoke it; the owner can, effective at once.
    await expect(w.services.personalAccessTokens.revoke(w.actors.reporter, info.id)).rejects.toThrow(
      /not found/,
    );
    await w.services.personalAccessTokens.revoke(actor, info.id);
    expect(await w.services.personalAccessTokens.verify(token)).toBeNull();

    // Expiry.
    const short = await w.services.personalAccessTokens.create(actor, {
      name: 'short',
      scopes: ['api'],
      expiresAt: new Date(w.clock.now().getTime() + 1000),
    });
    expect(await w.services.personalAccessTokens.verify(short.token)).not.toBeNull();
    w.clock.advance(2000);
    expect(await w.services.personalAccessTokens.verify(short.token)).toBeNull();

    await expect(
      w.services.personalAccessTokens.create(actor, { name: 'bad', scopes: ['root' as 'api'] }),
    ).rejects.toThrow(/scopes.*must be one of api, read_api, k8s_proxy/);
    await expect(w.services.personalAccessTokens.create(actor, { name: 'none', scopes: [] })).rejects.toThrow(
      /at least one scope/,
    );
    const audits = await database()
      .db.select()
      .from(auditLog)
      .where(eq(auditLog.action, 'personal_access_token.revoke'));
    expect(audits.some((a) => a.targetId === String(info.id) && a.actorId === actor.userId)).toBe(true);
  });
});
