import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeJwt, JwtRejectedError } from '../../shared/compact-jwt';
import { privateApiJwtSigner, privateApiJwtVerifier } from './private-api-jwt';

const secret = Buffer.alloc(32, 7);
const T0 = Date.parse('2026-12-07T00:00:00Z');

describe('private API JWT', () => {
  it('is accepted by a replica with the same secret and reused while it has time left', () => {
    let now = T0;
    const sign = privateApiJwtSigner({ secret, now: () => now });
    const verify = privateApiJwtVerifier({ secret, now: () => now });
    const first = sign();
    expect(() => verify(first)).not.toThrow();
    now += 15_000;
    expect(sign()).toBe(first);
    now += 10_000;
    const second = sign();
    expect(second).not.toBe(first);
    expect(() => verify(second)).not.toThrow();
  });

  it('is refused with another secret, expired, too long-lived, with another alg or malformed — saying why', () => {
    let now = T0;
    const token = privateApiJwtSigner({ secret, now: () => now })();
    const verify = privateApiJwtVerifier({ secret, now: () => now });
    const other = privateApiJwtVerifier({ secret: Buffer.alloc(32, 8), now: () => now });
    expect(() => other(token)).toThrow(/same MOORING_PRIVATE_API_SECRET/);
    const nowS = T0 / 1000;
    const long = encodeJwt(
      'HS256',
      { iss: 'mooring-kas-private-api', aud: 'mooring-kas-private-api', exp: nowS + 3600 },
      (input) => createHmac('sha256', secret).update(input).digest(),
    );
    expect(() => verify(long)).toThrow(/more than 60 s/);
    expect(() =>
      verify(token.replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url'))),
    ).toThrow(/not HS256/);
    expect(() => verify('x'.repeat(5000))).toThrow(JwtRejectedError);
    expect(() => verify('a.b')).toThrow(/malformed/);
    now += 60_000;
    expect(() => verify(token)).toThrow(/expired 30 s ago/);
  });
});
