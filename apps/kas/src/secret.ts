import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * MOORING_SECRET when set; otherwise the one kept in `<dataDir>/secret` (created on first start,
 * mode 0600) so sessions and tokens survive restarts.
 */
export function loadOrCreateSecret(dataDir: string, given: Buffer | undefined): Buffer {
  if (given) return given;
  const file = path.join(dataDir, 'secret');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    const stored = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (stored.length !== 32) {
      throw new Error(
        `${file} does not hold 32 bytes of base64; delete it to generate a new secret (this logs everyone out)`,
      );
    }
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32);
  fs.writeFileSync(file, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
