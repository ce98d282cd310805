// The self-signed certificates in PostgreSQL, one row per name, shared by every kas replica on the database. The
// private keys are sealed (AES-256-GCM, a key derived from MOORING_SECRET for this purpose alone); the certificates
// are public and kept in clear. `replace` is the store's compare-and-set: an insert that does nothing when a row
// exists, or an update that matches only the server certificate the caller read.
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { tlsCertificates, type Database } from '@mooring/db';
import {
  certificateFingerprint,
  notAfterOf,
  type CertificateStore,
  type SelfSignedCertificates,
} from '@mooring/modules/shared/certificates';
import { decryptString, deriveKey, encryptString } from '../services/crypto';

export interface DatabaseCertificateStoreOptions {
  /** The row; default `agent-api` (the certificate the agent listener and the proxy serve). */
  name?: string;
  /**
   * Where this kas keeps a copy of the CA certificate (never its key) for agentk's --ca-cert-file on this machine;
   * null for none.
   */
  caFile?: string | null;
}

export function databaseCertificateStore(
  db: Database,
  secret: Buffer,
  options: DatabaseCertificateStoreOptions = {},
): CertificateStore {
  const name = options.name ?? 'agent-api';
  const caFile = options.caFile ?? null;
  const key = deriveKey(secret, 'tls-certificate-keys');
  const row = eq(tlsCertificates.name, name);
  const unseal = (sealed: string) => {
    try {
      return decryptString(key, sealed);
    } catch (error) {
      throw new Error(
        `the self-signed CA kept in the database (tls_certificates '${name}') was stored by a kas with another ` +
          'MOORING_SECRET: set the same MOORING_SECRET on every replica',
        { cause: error },
      );
    }
  };
  const copyCa = (certs: SelfSignedCertificates) => {
    if (!caFile) return;
    if (fs.existsSync(caFile) && fs.readFileSync(caFile, 'utf8') === certs.caCertPem) return;
    fs.mkdirSync(path.dirname(caFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${caFile}.new`, certs.caCertPem, { mode: 0o600 });
    fs.renameSync(`${caFile}.new`, caFile);
  };
  return {
    caFile,
    async read() {
      const [held] = await db.select().from(tlsCertificates).where(row);
      if (!held) return null;
      const certs = {
        caCertPem: held.caCert,
        caKeyPem: unseal(held.caKeyEncrypted),
        certPem: held.cert,
        keyPem: unseal(held.keyEncrypted),
      };
      copyCa(certs);
      return certs;
    },
    async replace(current, next) {
      const values = {
        caCert: next.caCertPem,
        caKeyEncrypted: encryptString(key, next.caKeyPem),
        cert: next.certPem,
        keyEncrypted: encryptString(key, next.keyPem),
        fingerprint: certificateFingerprint(next),
        notAfter: new Date(notAfterOf(next.certPem)),
        updatedAt: new Date(),
      };
      const stored = current
        ? await db
            .update(tlsCertificates)
            .set(values)
            .where(and(row, eq(tlsCertificates.fingerprint, certificateFingerprint(current))))
            .returning({ name: tlsCertificates.name })
        : await db
            .insert(tlsCertificates)
            .values({ name, ...values })
            .onConflictDoNothing()
            .returning({ name: tlsCertificates.name });
      if (stored.length === 0) return false;
      copyCa(next);
      return true;
    },
  };
}
