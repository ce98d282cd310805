import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decryptString,
  deriveKey,
  encryptString,
  hashPassword,
  parseSecret,
  randomAlphanumeric,
  verifyPassword,
} from './crypto';

describe('crypto helpers', () => {
  it('hashes passwords with scrypt and verifies only the right one', async () => {
    const hash = await hashPassword('correct horse 🐎');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse 🐎', hash)).toBe(true);
    expect(await verifyPassword('correct horse', hash)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('makes random tokens from [A-Za-z0-9] only, using the whole alphabet', () => {
    const s = randomAlphanumeric(20_000);
    expect(s).toMatch(/^[A-Za-z0-9]{20000}$/);
    expect(new Set(s).size).toBe(62);
  });

  it('encrypts at rest with a purpose-derived key and names the fix for a changed secret', () => {
    const secret = randomBytes(32);
    const key = deriveKey(secret, 'test');
    expect(deriveKey(secret, 'other').equals(key)).toBe(false);
    const sealed = encryptString(key, 'private key ✓');
    expect(sealed).toMatch(/^v1\./);
    expect(decryptString(key, sealed)).toBe('private key ✓');
    expect(() => decryptString(deriveKey(randomBytes(32), 'test'), sealed)).toThrow(/MOORING_SECRET differs/);
  });

  it('requires a secret of at least 32 bytes', () => {
    expect(() => parseSecret(Buffer.alloc(16).toString('base64'))).toThrow(/openssl rand -base64 32/);
    expect(parseSecret(Buffer.alloc(32, 1).toString('base64'))).toHaveLength(32);
  });
});
