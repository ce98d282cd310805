// One key per purpose from MOORING_SECRET (HKDF-SHA256), so a leaked CSRF key says nothing about the encryption key
// or the private API's JWT key. kas's services and its modules derive through this one function.
import { hkdfSync } from 'node:crypto';

export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `mooring:${purpose}`, 32));
}
