import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * MOORING_SECRET when set; otherwise the one kept in `<dataDir>/secret` (created on first start, mode 0600) so
 * sessions and tokens survive restarts. With a shared database (PostgreSQL) there is no fallback: replicas must
 * share the secret, and one generated per data dir would differ between them (see missingSharedSecret).
 */
export function loadOrCreateSecret(
  dataDir: string,
  given: Buffer | undefined,
  options: { sharedDatabase?: boolean } = {},
): Buffer {
  if (given) return given;
  if (options.sharedDatabase) throw new Error(missingSharedSecret(dataDir));
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

/**
 * Why kas on PostgreSQL will not start without MOORING_SECRET, and the fix. A kas that used the secret it generated
 * in this data dir is told how to keep it (its sessions and the keys it stored encrypted stay readable).
 */
export function missingSharedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret');
  const keep = fs.existsSync(file)
    ? ` To keep the secret this data dir's kas generated (its sessions and encrypted keys stay valid), use its value: MOORING_SECRET="$(cat ${file})".`
    : '';
  return (
    'MOORING_SECRET (--secret) is not set, but DATABASE_URL is: kas replicas sharing a PostgreSQL database must ' +
    'use one secret (sessions, CSRF tokens, JWTs and the keys stored encrypted in the database derive from it), so ' +
    'kas does not generate one. Generate it once with `openssl rand -base64 32` and set the same MOORING_SECRET on ' +
    `every replica.${keep}`
  );
}
