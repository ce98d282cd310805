// agentk's check of kas's receptive JWT (issue 15): EdDSA (Ed25519) signed with the agent's own key pair — kas
// holds the private key, agentk is configured with the public one — `iss: mooring-kas`, `aud: mooring-agentk`,
// `sub: agent:<id>` (checked when agentk knows its id), `exp` at most 60 s ahead, `jti` used once. A clock skew of
// 30 s is tolerated both ways. Every refusal says why, for agentk's log only (the caller learns nothing).
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { decodeJwt, JwtRejectedError } from '../../shared/compact-jwt';

export { JwtRejectedError } from '../../shared/compact-jwt';

export const MAX_JWT_LIFETIME_S = 60;
export const CLOCK_SKEW_S = 30;
/** jtis remembered until their JWT expires; a flood beyond this is refused, never an unbounded map. */
export const MAX_REMEMBERED_JTIS = 10_000;

export interface JwtVerifierOptions {
  publicKeyPem: string | Buffer;
  /** When set, `sub` must be `agent:<agentId>`. */
  agentId?: number;
  now?: () => number;
}

export interface VerifiedJwt {
  subject: string;
  jti: string;
  expiresAt: number;
}

export class ReceptiveJwtVerifier {
  private readonly key: KeyObject;
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: JwtVerifierOptions) {
    this.key = createPublicKey(options.publicKeyPem);
    if (this.key.asymmetricKeyType !== 'ed25519')
      throw new Error(
        `the receptive JWT public key is ${this.key.asymmetricKeyType ?? 'not a key'}, not Ed25519: use the key the console shows on the agent's Receptive tab`,
      );
    this.now = options.now ?? Date.now;
  }

  verify(jwt: string): VerifiedJwt {
    const { header, claims, signingInput, signature } = decodeJwt(jwt);
    if (header['alg'] !== 'EdDSA')
      throw new JwtRejectedError(`the JWT's alg is ${String(header['alg'])}, not EdDSA`);
    if (!verify(null, signingInput, this.key, signature))
      throw new JwtRejectedError(
        "the JWT's signature does not match the configured public key (was the key rotated in the console? update --receptive-jwt-public-key-file)",
      );
    const nowS = this.now() / 1000;
    if (claims['iss'] !== 'mooring-kas')
      throw new JwtRejectedError(`iss is ${String(claims['iss'])}, not mooring-kas`);
    const aud = claims['aud'];
    if (!(aud === 'mooring-agentk' || (Array.isArray(aud) && aud.includes('mooring-agentk'))))
      throw new JwtRejectedError('aud does not name mooring-agentk');
    const sub = claims['sub'];
    if (typeof sub !== 'string' || !/^agent:\d{1,15}$/.test(sub))
      throw new JwtRejectedError('sub is not agent:<id>');
    if (this.options.agentId !== undefined && sub !== `agent:${this.options.agentId}`)
      throw new JwtRejectedError(`the JWT is for ${sub}, and this agentk is agent:${this.options.agentId}`);
    const exp = claims['exp'];
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new JwtRejectedError('exp is missing');
    if (exp + CLOCK_SKEW_S < nowS)
      throw new JwtRejectedError(`the JWT expired ${Math.round(nowS - exp)} s ago (check both clocks)`);
    if (exp - nowS > MAX_JWT_LIFETIME_S + CLOCK_SKEW_S)
      throw new JwtRejectedError(`the JWT is valid for more than ${MAX_JWT_LIFETIME_S} s`);
    const nbf = claims['nbf'];
    if (typeof nbf === 'number' && nbf - CLOCK_SKEW_S > nowS)
      throw new JwtRejectedError('the JWT is not valid yet (check both clocks)');
    const jti = claims['jti'];
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 200)
      throw new JwtRejectedError('jti is missing');
    this.forgetExpired(nowS);
    if (this.seen.has(jti)) throw new JwtRejectedError('the JWT was used before (a replayed jti)');
    if (this.seen.size >= MAX_REMEMBERED_JTIS)
      throw new JwtRejectedError(
        `more than ${MAX_REMEMBERED_JTIS} JWTs within a minute; refusing until some expire`,
      );
    this.seen.set(jti, exp + CLOCK_SKEW_S);
    return { subject: sub, jti, expiresAt: exp };
  }

  private forgetExpired(nowS: number): void {
    // Insertion order is close to expiry order (every JWT lives ≤ 60 s): stop at the first one still valid.
    for (const [jti, until] of this.seen) {
      if (until >= nowS) break;
      this.seen.delete(jti);
    }
  }
}
