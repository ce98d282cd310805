// Audit rows are written with the same executor (transaction) as the change they describe, so a
// change and its audit row commit or roll back together.
import { auditLog, type Executor } from '@mooring/db';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
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

export function createAuditService(deps: { db: Executor }) {
  return {
    /** Newest first. Admins only. `beforeId` pages backwards. */
    async list(
      actor: Actor,
      filter: {
        targetType?: string;
        targetId?: string;
        action?: string;
        limit?: number;
        beforeId?: number;
      } = {},
    ): Promise<AuditRow[]> {
      if (!actor.isAdmin) throw new ForbiddenError('reading the audit log needs an administrator account');
      const where: SQL[] = [];
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
