import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from '../services/errors';
import { ApiError, fromIssues, toApiError } from './errors';

describe('toApiError', () => {
  it.each([
    [new NotFoundError('agent 7 not found'), 404, 'not_found'],
    [new ForbiddenError('needs Maintainer'), 403, 'forbidden'],
    [new ConflictError('2 active tokens; revoke one'), 409, 'conflict'],
    [new UnauthenticatedError('wrong password'), 401, 'unauthenticated'],
    [new ValidationError('name', 'name: too long'), 400, 'invalid_input'],
  ])('maps %o', (err, status, code) => {
    const mapped = toApiError(err);
    expect(mapped).toMatchObject({ status, code, message: err.message });
  });

  it('keeps the field of a validation error', () => {
    expect(toApiError(new ValidationError('scopes[1]', 'bad scope')).body()).toEqual({
      code: 'invalid_input',
      message: 'bad scope',
      field: 'scopes[1]',
    });
  });

  it('adds Retry-After to rate limits', () => {
    const mapped = toApiError(new RateLimitedError('slow down', 12.2));
    expect(mapped.status).toBe(429);
    expect(mapped.headers).toEqual({ 'retry-after': '13' });
  });

  it('hides internal errors behind a trace id', () => {
    const mapped = toApiError(new Error('connection string postgres://secret@db'));
    expect(mapped).toMatchObject({ status: 500, code: 'internal', message: 'internal error' });
    expect(mapped.body('abc')).toEqual({ code: 'internal', message: 'internal error', traceId: 'abc' });
  });

  it('passes ApiErrors through', () => {
    const err = new ApiError(413, 'payload_too_large', 'too big');
    expect(toApiError(err)).toBe(err);
  });
});

describe('fromIssues', () => {
  const schema = z.strictObject({ name: z.string(), nested: z.strictObject({ n: z.number() }) });
  const issues = (value: unknown) => schema.safeParse(value).error!.issues;

  it('names unknown fields, also nested ones', () => {
    expect(fromIssues(issues({ name: 'x', nested: { n: 1 }, extra: 1 }))).toMatchObject({
      field: 'extra',
      message: 'unknown field "extra"; remove it',
    });
    expect(fromIssues(issues({ name: 'x', nested: { n: 1, deep: 2 } }))).toMatchObject({
      field: 'nested.deep',
      message: 'unknown field "deep" in nested; remove it',
    });
  });

  it('says a missing field is required and lists every problem', () => {
    const error = fromIssues(issues({ nested: { n: 'one' } }));
    expect(error.field).toBe('name');
    expect(error.message).toBe(
      'name: is required (expected string); nested.n: Invalid input: expected number, received string',
    );
  });
});
