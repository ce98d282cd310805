// Leases: work exactly one kas process does at a time (the receptive dialer's dial-out per agent; the replicas
// issue reuses it), decided by one row per lease in the shared database. A holder renews before `ttlMs` runs out;
// when it stops renewing (killed, partitioned) any other process takes the row over once it expired. Acquire and
// renew are the same atomic upsert, so two processes can never both believe they hold a lease (the database's
// row lock orders them). Times are the caller's clock: replicas must keep their clocks in sync (NTP), as
// Kubernetes' own leases require; the TTL is far larger than any sane skew.
import { leases } from '@mooring/db';
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { ServiceContext } from './context';

export interface LeaseService {
  /**
   * Takes or renews the lease `name` for `holder` until now + `ttlMs`; true when `holder` holds it afterwards
   * (it did already, it was free, or its holder let it expire).
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (another process may take it at once); a no-op when `holder` does not hold it. */
  release(name: string, holder: string): Promise<void>;
  /** Who holds `name` now, or null when nobody does (never taken, released or expired). */
  holder(name: string): Promise<string | null>;
}

export function createLeaseService(ctx: Pick<ServiceContext, 'db' | 'clock'>): LeaseService {
  const { db, clock } = ctx;
  return {
    async acquire(name, holder, ttlMs) {
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlMs);
      const rows = await db
        .insert(leases)
        .values({ name, holder, expiresAt, acquiredAt: now })
        .onConflictDoUpdate({
          target: leases.name,
          set: {
            holder,
            expiresAt,
            // A renewal keeps when the holder first took it; a takeover starts anew.
            acquiredAt: sql`CASE WHEN ${leases.holder} = ${holder} THEN ${leases.acquiredAt} ELSE ${now} END`,
          },
          setWhere: or(eq(leases.holder, holder), lt(leases.expiresAt, now)),
        })
        .returning({ holder: leases.holder });
      return rows.length === 1 && rows[0]!.holder === holder;
    },
    async release(name, holder) {
      await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
    },
    async holder(name) {
      const [row] = await db.select().from(leases).where(eq(leases.name, name));
      if (!row || row.expiresAt.getTime() <= clock.now().getTime()) return null;
      return row.holder;
    },
  };
}
