// The private API's credential: an HS256 JWT signed with the secret every replica shares
// (MOORING_PRIVATE_API_SECRET, else one derived from MOORING_SECRET), `iss` and `aud` mooring-kas-private-api,
// `exp` at most 60 s ahead. A gateway signs one and reuses it for a few seconds; a router checks every stream's.
// Short-lived so a leaked token is soon useless; a clock skew of 5 s between replicas is tolerated.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJwt, encodeJwt, JwtRejectedError } from '../../shared/compact-jwt';

export const PRIVATE_API_JWT_AUDIENCE = 'mooring-kas-private-api';
export const PRIVATE_API_JWT_LIFETIME_S = 30;
const MAX_LIFETIME_S = 60;
const CLOCK_SKEW_S = 5;
/** A signed token is reused until this much of its life is left. */
const REUSE_UNTIL_LEFT_S = 10;

export interface PrivateApiJwtOptions {
  secret: Buffer;
  now?: () => number;
}

const hs256 = (secret: Buffer, input: Buffer) => createHmac('sha256', secret).update(input).digest();

/** The gateway's side: a token for the next call (cached while it has time left). */
export function privateApiJwtSigner(options: PrivateApiJwtOptions): () => string {
  const now = options.now ?? Date.now;
  let cached: { token: string; exp: number } | null = null;
  return () => {
    const nowS = Math.floor(now() / 1000);
    if (cached && cached.exp - nowS > REUSE_UNTIL_LEFT_S) return cached.token;
    const exp = nowS + PRIVATE_API_JWT_LIFETIME_S;
    const token = encodeJwt(
      'HS256',
      { iss: PRIVATE_API_JWT_AUDIENCE, aud: PRIVATE_API_JWT_AUDIENCE, iat: nowS, exp },
      (input) => hs256(options.secret, input),
    );
    cached = { token, exp };
    return token;
  };
}

/** The router's side: throws JwtRejectedError saying why (for the router's log and the gateway's error). */
export function privateApiJwtVerifier(options: PrivateApiJwtOptions): (token: string) => void {
  const now = options.now ?? Date.now;
  return (token) => {
    const { header, claims, signingInput, signature } = decodeJwt(token);
    if (header['alg'] !== 'HS256')
      throw new JwtRejectedError(`the JWT's alg is ${String(header['alg'])}, not HS256`);
    const expected = hs256(options.secret, signingInput);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
      throw new JwtRejectedError(
        "the JWT's signature does not match: every kas replica needs the same MOORING_PRIVATE_API_SECRET (or MOORING_SECRET)",
      );
    if (claims['iss'] !== PRIVATE_API_JWT_AUDIENCE || claims['aud'] !== PRIVATE_API_JWT_AUDIENCE)
      throw new JwtRejectedError(`iss and aud must be ${PRIVATE_API_JWT_AUDIENCE}`);
    const exp = claims['exp'];
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new JwtRejectedError('exp is missing');
    const nowS = now() / 1000;
    if (exp + CLOCK_SKEW_S < nowS)
      throw new JwtRejectedError(
        `the JWT expired ${Math.round(nowS - exp)} s ago (check the replicas' clocks)`,
      );
    if (exp - nowS > MAX_LIFETIME_S + CLOCK_SKEW_S)
      throw new JwtRejectedError(`the JWT is valid for more than ${MAX_LIFETIME_S} s`);
  };
}
