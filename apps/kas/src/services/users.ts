// Local users: scrypt password hashes, admin flag, disabling. The first start creates an admin.
import { randomBytes } from 'node:crypto';
import { sessions, users } from '@mooring/db';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Actor } from './actor';
import { writeAudit } from './audit';
import { isUniqueViolation, type ServiceContext } from './context';
import { hashPassword, verifyPassword } from './crypto';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { displayNameSchema, parseField, passwordSchema, usernameSchema } from './validation';
import { z } from 'zod';

export interface UserInfo {
  id: number;
  username: string;
  name: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: Date;
}

const userColumns = {
  id: users.id,
  username: users.username,
  name: users.name,
  email: users.email,
  isAdmin: users.isAdmin,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

export function actorFor(
  user: Pick<UserInfo, 'id' | 'username' | 'isAdmin'>,
  extra: Partial<Actor> = {},
): Actor {
  return { userId: user.id, username: user.username, isAdmin: user.isAdmin, ...extra };
}

export function createUserService(
  ctx: ServiceContext,
  hooks: { onCredentialsChanged(userId: number): void },
) {
  const { db, clock, policy } = ctx;

  async function get(id: number): Promise<UserInfo | null> {
    const [row] = await db.select(userColumns).from(users).where(eq(users.id, id));
    return row ?? null;
  }

  return {
    /**
     * On a database without users, creates `admin` with MOORING_ADMIN_PASSWORD (if given) or a
     * generated password, returned here once so kas can print it. Later calls do nothing.
     */
    async ensureInitialAdmin(
      opts: { username?: string; password?: string } = {},
    ): Promise<
      { created: false } | { created: true; username: string; password: string; generated: boolean }
    > {
      const username = parseField(usernameSchema, opts.username ?? 'admin', 'username');
      if (opts.password !== undefined) parseField(passwordSchema, opts.password, 'MOORING_ADMIN_PASSWORD');
      const password = opts.password ?? randomBytes(18).toString('base64url');
      const passwordHash = await hashPassword(password);
      // Two replicas starting together on one PostgreSQL: the loser hits the unique username.
      return db
        .transaction(async (tx) => {
          const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(users);
          if (n > 0) return { created: false as const };
          const [row] = await tx
            .insert(users)
            .values({ username, passwordHash, isAdmin: true, name: 'Administrator' })
            .returning({ id: users.id });
          await writeAudit(
            tx,
            { userId: null, username: 'system:kas', isAdmin: true },
            {
              action: 'user.create',
              targetType: 'user',
              targetId: row!.id,
              details: { username, isAdmin: true, initialAdmin: true },
            },
            clock,
          );
          return { created: true as const, username, password, generated: opts.password === undefined };
        })
        .catch((err: unknown) => {
          if (isUniqueViolation(err)) return { created: false as const };
          throw err;
        });
    },

    get,

    /**
     * Usernames by id, so answers name people instead of "user 7" (ids of deleted users are absent). Names are
     * no secret from whoever may see the row that mentions them.
     */
    async usernames(ids: readonly (number | null)[]): Promise<Map<number, string>> {
      const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
      if (wanted.length === 0) return new Map();
      const rows = await db
        .select({ id: users.id, username: users.username })
        .from(users)
        .where(inArray(users.id, wanted));
      return new Map(rows.map((r) => [r.id, r.username]));
    },

    async getByUsername(username: string): Promise<(UserInfo & { passwordHash: string }) | null> {
      const [row] = await db
        .select({ ...userColumns, passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.username, username));
      return row ?? null;
    },

    /** Admins see everyone; others only themselves. */
    async list(actor: Actor): Promise<UserInfo[]> {
      policy.authorizeGlobal(actor, 'user:manage');
      return db.select(userColumns).from(users).orderBy(asc(users.id));
    },

    async create(
      actor: Actor,
      input: { username: string; password: string; name?: string; email?: string | null; isAdmin?: boolean },
    ): Promise<UserInfo> {
      policy.authorizeGlobal(actor, 'user:manage');
      const username = parseField(usernameSchema, input.username, 'username');
      const password = parseField(passwordSchema, input.password, 'password');
      const name = input.name === undefined ? username : parseField(displayNameSchema, input.name, 'name');
      const email = input.email
        ? parseField(z.email('must be an email address like jane@example.com'), input.email, 'email')
        : null;
      const passwordHash = await hashPassword(password);
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(users)
            .values({ username, passwordHash, name, email, isAdmin: input.isAdmin ?? false })
            .returning(userColumns);
          await writeAudit(
            tx,
            actor,
            {
              action: 'user.create',
              targetType: 'user',
              targetId: row!.id,
              details: { username, isAdmin: row!.isAdmin },
            },
            clock,
          );
          return row!;
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError(`a user named ${username} already exists; choose another username`);
        throw err;
      }
    },

    /** Users change their own password (with the current one); admins change anyone's. */
    async changePassword(
      actor: Actor,
      userId: number,
      input: { currentPassword?: string; newPassword: string },
    ): Promise<void> {
      const self = actor.userId === userId;
      if (!self) policy.authorizeGlobal(actor, 'user:manage');
      const newPassword = parseField(passwordSchema, input.newPassword, 'newPassword');
      const [row] = await db
        .select({ passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.id, userId));
      if (!row) throw new NotFoundError(`user ${userId} not found`);
      if (self && !actor.isAdmin) {
        if (!input.currentPassword || !(await verifyPassword(input.currentPassword, row.passwordHash))) {
          throw new ValidationError(
            'currentPassword',
            'currentPassword is wrong; enter your current password to set a new one',
          );
        }
      }
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (tx) => {
        await tx.update(users).set({ passwordHash, updatedAt: clock.now() }).where(eq(users.id, userId));
        // Other sessions end: whoever knew the old password is logged out.
        await tx.delete(sessions).where(eq(sessions.userId, userId));
        await writeAudit(
          tx,
          actor,
          { action: 'user.change_password', targetType: 'user', targetId: userId },
          clock,
        );
      });
      hooks.onCredentialsChanged(userId);
    },

    async update(
      actor: Actor,
      userId: number,
      input: { isAdmin?: boolean; disabled?: boolean; name?: string },
    ): Promise<UserInfo> {
      policy.authorizeGlobal(actor, 'user:manage');
      const removesAdmin = input.isAdmin === false || input.disabled === true;
      if (actor.userId === userId && removesAdmin) {
        throw new ForbiddenError(
          input.disabled === true
            ? 'you cannot disable yourself; ask another administrator to do it'
            : 'you cannot remove your own administrator role; make another user an administrator and ask them to do it',
        );
      }
      const patch: Partial<typeof users.$inferInsert> = { updatedAt: clock.now() };
      if (input.isAdmin !== undefined) patch.isAdmin = input.isAdmin;
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      if (input.name !== undefined) patch.name = parseField(displayNameSchema, input.name, 'name');
      const row = await db.transaction(async (tx) => {
        if (removesAdmin) {
          // Locks every enabled administrator's row, in id order: two administrators demoting each other at once
          // queue here, and the second sees the first's change, so kas is never left without one.
          const admins = await tx
            .select({ id: users.id, username: users.username })
            .from(users)
            .where(and(eq(users.isAdmin, true), eq(users.disabled, false)))
            .orderBy(asc(users.id))
            .for('update');
          const target = admins.find((a) => a.id === userId);
          if (target && admins.length === 1)
            throw new ForbiddenError(
              `${target.username} is the last enabled administrator; make another user an administrator first`,
            );
        }
        const [updated] = await tx
          .update(users)
          .set(patch)
          .where(eq(users.id, userId))
          .returning(userColumns);
        if (!updated) throw new NotFoundError(`user ${userId} not found`);
        if (input.disabled) await tx.delete(sessions).where(eq(sessions.userId, userId));
        await writeAudit(
          tx,
          actor,
          { action: 'user.update', targetType: 'user', targetId: userId, details: { ...input } },
          clock,
        );
        return updated;
      });
      if (input.disabled !== undefined || input.isAdmin !== undefined) hooks.onCredentialsChanged(userId);
      return row;
    },
  };
}
export type UserService = ReturnType<typeof createUserService>;
