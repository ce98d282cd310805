// The shapes the API answers with. Services return rows with Dates; the API speaks ISO strings so
// REST, tRPC (no transformer) and the OpenAPI document agree on one JSON form.
import { z } from 'zod';

export const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');

export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

/** A positive integer id (path parameters are converted from text before validation). */
export const id = z
  .number()
  .int('must be an integer id')
  .positive('must be a positive id')
  .max(2147483647, 'must be at most 2147483647 (ids are 32-bit)');

export const roleSchema = z.enum(['guest', 'reporter', 'developer', 'maintainer', 'owner']);

export const userView = z.object({
  id,
  username: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
  createdAt: timestamp,
});

export function toUserView(user: {
  id: number;
  username: string;
  name: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: Date;
}): z.input<typeof userView> {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    email: user.email,
    isAdmin: user.isAdmin,
    disabled: user.disabled,
    createdAt: iso(user.createdAt),
  };
}

export const okView = z.object({ ok: z.literal(true) });
