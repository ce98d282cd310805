import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';

import { errorMessage, isConnectionLoss, isUnauthorized } from './errors';

const answered = (code: string, httpStatus: number, message: string) =>
  TRPCClientError.from({ error: { message, code: -32600, data: { code, httpStatus } } });

describe('errors the console shows', () => {
  it('tells a lost connection from an answer of kas', () => {
    // The console's proxy could not reach kas (kas-proxy.ts): its message names kas's address and the fix.
    const badGateway = answered(
      'BAD_GATEWAY',
      502,
      'The console cannot reach kas at http://127.0.0.1:8153 (fetch failed)',
    );
    expect(isConnectionLoss(badGateway)).toBe(true);
    expect(errorMessage(badGateway)).toContain('The console cannot reach kas');

    // No tRPC answer at all: the fetch's own words are replaced by what the console does about it.
    const cut = TRPCClientError.from(new Error('signal is aborted without reason'));
    expect(isConnectionLoss(cut)).toBe(true);
    expect(errorMessage(cut)).toMatch(/^no answer from the console server; the console retries on its own/);

    const refused = answered('not_found', 404, 'agent 7 not found');
    expect(isConnectionLoss(refused)).toBe(false);
    expect(errorMessage(refused)).toBe('agent 7 not found');
  });

  it('knows an ended session by its 401, whatever code kas puts beside it', () => {
    expect(isUnauthorized(answered('unauthenticated', 401, 'sign in again'))).toBe(true);
    expect(isUnauthorized(answered('forbidden', 403, 'no'))).toBe(false);
    expect(isUnauthorized(new Error('401'))).toBe(false);
  });
});
