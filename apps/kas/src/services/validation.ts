// Input rules shared by the services and the API layer (which can reuse these zod schemas for its
// procedure inputs and the OpenAPI document). Names may hold any printable unicode and are stored
// verbatim; paths, usernames and agent names are restricted because they end up in URLs,
// Kubernetes usernames and impersonation groups.
import { z } from 'zod';
import { ValidationError } from './errors';

// eslint-disable-next-line no-control-regex
const noControlChars = /^[^\u0000-\u001f\u007f]*$/;

export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(noControlChars, 'must not contain control characters (newlines, tabs, NUL)');

export const descriptionSchema = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');

export const pathSegmentSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
    'must use only letters, digits, _, . and - and start with a letter, digit or _ (for example my-project)',
  );

/** An agent name is a DNS label: it becomes part of Kubernetes object names and kubeconfig contexts. */
export const agentNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters (a DNS label)')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lowercase letters, digits and -, starting and ending with a letter or digit (for example prod-cluster)',
  );

export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'must use only letters, digits, _, . and - and start with a letter or digit (for example jane.doe)',
  );

export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters');

export const roleSchema = z.enum(['guest', 'reporter', 'developer', 'maintainer', 'owner']);
export type Role = z.infer<typeof roleSchema>;

export const idSchema = z.number().int('must be an integer id').positive('must be a positive id');

/** Parses `value` or throws a ValidationError naming `field` and what was expected. */
export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const sub = issue && issue.path.length > 0 ? `${field}.${issue.path.join('.')}` : field;
  throw new ValidationError(sub, `${sub}: ${issue?.message ?? 'is invalid'}`);
}
