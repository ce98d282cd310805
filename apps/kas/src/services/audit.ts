// Audit rows are written with the same executor (transaction) as the change they describe, so a
// change and its audit row commit or roll back together.
import { auditLog, type Executor } from '@mooring/db';
import { windowRateLimiter } from '@mooring/modules/shared/window-rate-limiter';
import { and, desc, eq, ilike, lt, type SQL } from 'drizzle-orm';
import type { Actor } from './actor';
import type { Clock } from './clock';
import { ForbiddenError } from './errors';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | number;
  details?: Record<string, unknown>;
}

export async function writeAudit(ex: Executor, actor: Actor, entry: AuditEntry, clock: Clock): Promise<void> {
  await ex.insert(auditLog).values({
    actorId: actor.userId,
    actorName: actor.username,
    action: entry.action,
    targetType: entry.targetType,
    targetId: String(entry.targetId),
    details: entry.details ?? {},
    address: actor.address ?? null,
    createdAt: clock.now(),
  });
}

export interface AuditRow {
  id: number;
  actorId: number | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  address: string | null;
  createdAt: Date;
}

/**
 * Failed sign-ins and authorization refusals are written at most this many a minute (outsiders cause them, so they
 * must not fill the table); the next row written says how many were left out.
 */
export const SECURITY_EVENTS_PER_MINUTE = 120;

/** `text` as a LIKE pattern that matches it literally anywhere (no user text becomes a pattern). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createAuditService(deps: { db: Executor; clock: Clock; securityEventsPerMinute?: number }) {
  const limiter = windowRateLimiter({
    limit: deps.securityEventsPerMinute ?? SECURITY_EVENTS_PER_MINUTE,
    now: () => deps.clock.now().getTime(),
  });
  let leftOut = 0;
  return {
    /**
     * Records a failed sign-in or a refusal, within the per-minute cap. Never throws: a refusal must reach the
     * caller even when the audit write fails.
     */
    async recordSecurityEvent(actor: Actor, entry: AuditEntry): Promise<void> {
      if (!limiter.take('security').allowed) {
        leftOut++;
        return;
      }
      const details = leftOut > 0 ? { ...entry.details, leftOutBefore: leftOut } : entry.details;
      leftOut = 0;
      await writeAudit(deps.db, actor, { ...entry, ...(details ? { details } : {}) }, deps.clock).catch(
        () => undefined,
      );
    },

    /** Newest first. Admins only. `beforeId` pages backwards. */
    async list(
      actor: Actor,
      filter: {
        /** Part of the actor's name, any case. */
        actor?: string;
        targetType?: string;
        targetId?: string;
        action?: string;
        limit?: number;
        beforeId?: number;
      } = {},
    ): Promise<AuditRow[]> {
      if (!actor.isAdmin) throw new ForbiddenError('reading the audit log needs an administrator account');
      const where: SQL[] = [];
      if (filter.actor) where.push(ilike(auditLog.actorName, containsPattern(filter.actor)));
      if (filter.targetType) where.push(eq(auditLog.targetType, filter.targetType));
      if (filter.targetId) where.push(eq(auditLog.targetId, filter.targetId));
      if (filter.action) where.push(eq(auditLog.action, filter.action));
      if (filter.beforeId) where.push(lt(auditLog.id, filter.beforeId));
      return deps.db
        .select()
        .from(auditLog)
        .where(and(...where))
        .orderBy(desc(auditLog.id))
        .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
