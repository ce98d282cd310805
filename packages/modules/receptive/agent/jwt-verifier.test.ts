import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JwtRejectedError, ReceptiveJwtVerifier } from './jwt-verifier';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' });
const NOW = 1_800_000_000;

/** A JWT as kas's receptiveEndpoints.signJwt makes it. */
function jwt(claims: Record<string, unknown> = {}, key: KeyObject = privateKey, alg = 'EdDSA'): string {
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg, typ: 'JWT' })}.${enc({
    iss: 'mooring-kas',
    aud: 'mooring-agentk',
    sub: 'agent:7',
    iat: NOW,
    nbf: NOW - 5,
    exp: NOW + 60,
    jti: randomUUID(),
    ...claims,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

const verifier = (agentId?: number) =>
  new ReceptiveJwtVerifier({
    publicKeyPem,
    now: () => NOW * 1000,
    ...(agentId !== undefined && { agentId }),
  });

const refusal = (v: ReceptiveJwtVerifier, token: string) => {
  try {
    v.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(JwtRejectedError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('ReceptiveJwtVerifier', () => {
  it("accepts kas's JWT once and refuses its replay", () => {
    const v = verifier(7);
    const token = jwt();
    expect(v.verify(token).subject).toBe('agent:7');
    expect(refusal(v, token)).toContain('replayed jti');
  });

  it('refuses a JWT signed with another key, naming the key flag', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(refusal(verifier(), jwt({}, other))).toContain('--receptive-jwt-public-key-file');
  });

  it('refuses expired, long-lived, not-yet-valid, foreign and mis-addressed JWTs, each with its reason', () => {
    const v = verifier(7);
    expect(refusal(v, jwt({ exp: NOW - 31 }))).toContain('expired');
    expect(refusal(v, jwt({ exp: NOW + 3600 }))).toContain('more than 60 s');
    expect(refusal(v, jwt({ nbf: NOW + 120 }))).toContain('not valid yet');
    expect(refusal(v, jwt({ sub: 'agent:8' }))).toContain('agent:8');
    expect(refusal(v, jwt({ iss: 'someone' }))).toContain('iss');
    expect(refusal(v, jwt({ aud: 'other' }))).toContain('aud');
    expect(refusal(v, jwt({ jti: undefined }))).toContain('jti');
    expect(refusal(v, 'a.b')).toContain('malformed');
  });

  it('tolerates 30 s of clock skew', () => {
    expect(verifier().verify(jwt({ exp: NOW - 20, nbf: NOW + 20 })).subject).toBe('agent:7');
  });

  it('refuses a public key that is not Ed25519, saying where the right one is', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => new ReceptiveJwtVerifier({ publicKeyPem: rsa })).toThrow(/Receptive tab/);
  });
});
