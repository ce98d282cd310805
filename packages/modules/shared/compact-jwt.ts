// The one encoder/decoder of compact JWTs (header.claims.signature, base64url JSON). The algorithms and claim checks
// belong to each user: the receptive JWT (EdDSA, the agent's key pair) and the private API's (HS256, the shared
// secret). Decoding is bounded: a token longer than `maxLength` is refused before anything is parsed.
export class JwtRejectedError extends Error {
  override readonly name = 'JwtRejectedError';
}

export const MAX_JWT_LENGTH = 4096;

export type JwtClaims = Record<string, unknown>;

const b64json = (part: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtRejectedError('the JWT is not three base64url JSON parts');
};

const enc = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `sign` gets the signing input (`header.claims`) and returns the raw signature. */
export function encodeJwt(alg: string, claims: JwtClaims, sign: (signingInput: Buffer) => Buffer): string {
  const signingInput = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  return `${signingInput}.${sign(Buffer.from(signingInput)).toString('base64url')}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: JwtClaims;
  signingInput: Buffer;
  signature: Buffer;
}

/** Splits and parses; checks nothing but the shape (the caller verifies the signature before trusting a claim). */
export function decodeJwt(token: string, maxLength = MAX_JWT_LENGTH): DecodedJwt {
  if (token.length > maxLength) throw new JwtRejectedError('the JWT is malformed');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRejectedError('the JWT is malformed');
  const [h, p, s] = parts as [string, string, string];
  return {
    header: b64json(h),
    claims: b64json(p),
    signingInput: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}
