import { ZodError } from 'zod';

/** The JSON body of every API error, REST and tRPC (`error.data`) alike. */
export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  traceId?: string;
  /** Extra structured detail, e.g. `errors` (every problem with line and field) for a rejected config. */
  [detail: string]: unknown;
}

/** An error that knows its HTTP status and the JSON body users see. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body(traceId?: string): ApiErrorBody {
    return {
      ...this.details,
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(traceId !== undefined && this.status >= 500 ? { traceId } : {}),
    };
  }
}

export const unauthenticated = (message: string) => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const badRequest = (message: string, field?: string) =>
  new ApiError(400, 'bad_request', message, field);

interface IssueLike {
  code?: string;
  message: string;
  path?: readonly PropertyKey[] | readonly (PropertyKey | { key: PropertyKey })[];
  keys?: readonly string[];
}

function pathOf(issue: IssueLike): string {
  return (issue.path ?? [])
    .map((p) => (typeof p === 'object' && p !== null && 'key' in p ? p.key : p))
    .map(String)
    .join('.');
}

/** Turns validation issues (zod or Standard Schema) into one error naming the first bad field. */
export function fromIssues(issues: readonly IssueLike[]): ApiError {
  const describe = (issue: IssueLike): { field: string; text: string } => {
    const parent = pathOf(issue);
    if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
      const field = [parent, issue.keys[0]].filter(Boolean).join('.');
      const names = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return { field, text: `unknown field ${names}${parent ? ` in ${parent}` : ''}; remove it` };
    }
    const field = parent || '(input)';
    const expected = (issue as { expected?: unknown }).expected;
    if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
      return { field, text: `${field}: is required (expected ${String(expected ?? 'a value')})` };
    }
    return { field, text: `${field}: ${issue.message}` };
  };
  const described = issues.map(describe);
  const first = described[0] ?? { field: '(input)', text: 'invalid input' };
  const more =
    described.length > 1
      ? `; ${described
          .slice(1)
          .map((d) => d.text)
          .join('; ')}`
      : '';
  return new ApiError(400, 'invalid_input', `${first.text}${more}`, first.field);
}

function errorField(err: object): string | undefined {
  const field = (err as { field?: unknown }).field;
  return typeof field === 'string' ? field : undefined;
}

/**
 * Maps anything thrown by a handler to an ApiError. Domain errors from the services are matched by
 * name so this file does not depend on where they are declared; anything unknown is a 500 whose
 * details stay in the log (the body carries only the trace id).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return fromIssues(err.issues);
  if (!(err instanceof Error)) return new ApiError(500, 'internal', 'internal error');
  const message = err.message;
  switch (err.name) {
    case 'NotFoundError':
      return new ApiError(404, 'not_found', message, errorField(err));
    case 'ForbiddenError':
      return new ApiError(403, 'forbidden', message, errorField(err));
    case 'ConflictError':
      return new ApiError(409, 'conflict', message, errorField(err));
    case 'ValidationError': {
      // A rejected agent configuration carries every problem (line, column, field) in `errors`.
      const { errors, version } = err as Error & { errors?: unknown; version?: unknown };
      if (Array.isArray(errors)) {
        return new ApiError(
          400,
          'invalid_config',
          message,
          errorField(err),
          {},
          { errors, version: version ?? null },
        );
      }
      return new ApiError(400, 'invalid_input', message, errorField(err));
    }
    case 'UnauthenticatedError':
    case 'UnauthorizedError':
    case 'AuthenticationError':
      return new ApiError(401, 'unauthenticated', message);
    case 'RateLimitedError': {
      const retry = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      const seconds = typeof retry === 'number' && retry > 0 ? Math.ceil(retry) : 60;
      return new ApiError(429, 'rate_limited', message, undefined, {
        'retry-after': String(seconds),
      });
    }
    default:
      return new ApiError(500, 'internal', 'internal error');
  }
}
