// What every service factory receives from createServices.
import type { Database } from '@mooring/db';
import type { Clock } from './clock';
import type { ServiceEvents } from './events';
import type { Policy } from './policy';

export interface ServiceContext {
  db: Database;
  clock: Clock;
  policy: Policy;
  /** 32+ bytes from MOORING_SECRET; use deriveKey(secret, purpose), never the raw bytes. */
  secret: Buffer;
  /** In-process topics; emit only after the transaction committed. */
  events: ServiceEvents;
}

/** Postgres unique-violation, from either driver (pg puts `code` on the error, drizzle wraps it in `cause`). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const pgErr = e as { code?: string; constraint?: string; message?: string };
    if (pgErr.code === '23505')
      return !constraint || pgErr.constraint === constraint || !!pgErr.message?.includes(constraint);
  }
  return false;
}
