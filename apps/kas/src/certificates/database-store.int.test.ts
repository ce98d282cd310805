// The certificate store kas uses on PostgreSQL, on both backends: replicas opening it at once on an empty table agree
// on one CA, a renewal replaces only the row it read, the keys are sealed with MOORING_SECRET, and a kas that ran
// alone on its files keeps its CA when it moves to the database.
import { randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { tlsCertificates } from '@mooring/db';
import {
  CERTIFICATE_DEFAULTS,
  ensureSelfSignedCertificate,
  ensureStoredCertificate,
  type CertificateStore,
} from '@mooring/modules/shared/certificates';
import { eq } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { databaseCertificateStore } from './database-store';
import { kasCertificateStore } from './kas-certificates';

const DAY = 24 * 3600 * 1000;
const fingerprint = (pem: Buffer | string) => new X509Certificate(pem).fingerprint256;

describeWithDatabases('the certificate store in the database', ({ database }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-cert-store-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const name = () => `test-${randomBytes(4).toString('hex')}`;
  const rowOf = async (row: string) =>
    (await database().db.select().from(tlsCertificates).where(eq(tlsCertificates.name, row)))[0];
  /**
   * Counts the replacements a store offered and those that landed. With `together`, the first read of each store
   * waits until all of them have read, so every replica finds what the others found (the race of a cold start).
   */
  const counted = (
    store: CertificateStore,
    together?: { waiting: number; release: Promise<void>; go(): void },
  ) => {
    const counts = { offered: 0, landed: 0 };
    let first = true;
    const wrapped: CertificateStore = {
      caFile: store.caFile,
      async read() {
        const held = await store.read();
        if (together && first) {
          first = false;
          if (--together.waiting === 0) together.go();
          await together.release;
        }
        return held;
      },
      async replace(current, next) {
        counts.offered++;
        const landed = await store.replace(current, next);
        if (landed) counts.landed++;
        return landed;
      },
    };
    return { store: wrapped, counts };
  };

  it('gives three replicas opening an empty table at once one CA, with the keys sealed and the CA copied', async () => {
    const secret = randomBytes(32);
    const row = name();
    let go = () => {};
    const release = new Promise<void>((resolve) => (go = resolve));
    const together = { waiting: 3, release, go: () => go() };
    const replicas = [1, 2, 3].map((i) =>
      counted(
        databaseCertificateStore(database().db, secret, {
          name: row,
          caFile: path.join(dir, `replica-${i}`, 'ca.crt'),
        }),
        together,
      ),
    );
    const served = await Promise.all(replicas.map(({ store }) => ensureStoredCertificate(store)));
    const offered = replicas.reduce((n, r) => n + r.counts.offered, 0);
    const landed = replicas.reduce((n, r) => n + r.counts.landed, 0);
    console.log(`three replicas on an empty table: ${offered} certificates offered, ${landed} stored`);
    expect(offered).toBe(3);
    expect(landed).toBe(1);
    expect(new Set(served.map((m) => fingerprint(m.certPem))).size).toBe(1);
    expect(new Set(served.map((m) => m.caPem!.toString())).size).toBe(1);

    const stored = (await rowOf(row))!;
    expect(stored.fingerprint).toBe(fingerprint(served[0]!.certPem));
    expect(stored.caCert).toBe(served[0]!.caPem!.toString());
    for (const sealed of [stored.caKeyEncrypted, stored.keyEncrypted]) {
      expect(sealed).toMatch(/^v1\./);
      expect(sealed).not.toContain('PRIVATE KEY');
    }
    expect(Buffer.from(served[0]!.keyPem).toString()).toContain('PRIVATE KEY');
    for (const [i, material] of served.entries()) {
      const file = path.join(dir, `replica-${i + 1}`, 'ca.crt');
      expect(material.caFile).toBe(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(stored.caCert);
      expect(fs.statSync(file).mode & 0o077).toBe(0);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
  });

  it('renews once when replicas find the certificate due, keeping the CA; a stale renewal changes nothing', async () => {
    const secret = randomBytes(32);
    const row = name();
    const stores = [1, 2].map(() => counted(databaseCertificateStore(database().db, secret, { name: row })));
    const first = await ensureStoredCertificate(stores[0]!.store);
    const before = (await stores[0]!.store.read())!;
    const due = first.notAfter.getTime() - CERTIFICATE_DEFAULTS.renewBeforeMs + DAY;
    // openssl dates the new certificate from the real clock: 900 days keep it clear of renewal at `due`.
    const renew = { now: () => due, serverDays: 900 };
    const renewed = await Promise.all(stores.map(({ store }) => ensureStoredCertificate(store, renew)));
    expect(stores[0]!.counts.landed + stores[1]!.counts.landed).toBe(2); // the first make, one renewal
    expect(fingerprint(renewed[0]!.certPem)).toBe(fingerprint(renewed[1]!.certPem));
    expect(fingerprint(renewed[0]!.certPem)).not.toBe(fingerprint(first.certPem));
    expect(renewed[0]!.caPem!.equals(first.caPem!)).toBe(true);

    // A replica still holding the old read loses its compare-and-set and the row stays the renewed one.
    const fresh = (await stores[1]!.store.read())!;
    expect(await stores[1]!.store.replace(before, { ...before, certPem: first.certPem.toString() })).toBe(
      false,
    );
    expect((await rowOf(row))!.fingerprint).toBe(fingerprint(fresh.certPem));
  });

  it('refuses to read the keys with another MOORING_SECRET, saying to set the same one on every replica', async () => {
    const row = name();
    await ensureStoredCertificate(databaseCertificateStore(database().db, randomBytes(32), { name: row }));
    const other = databaseCertificateStore(database().db, randomBytes(32), { name: row });
    await expect(other.read()).rejects.toThrow(
      /stored by a kas with another MOORING_SECRET: set the same MOORING_SECRET on every replica/,
    );
  });

  it('keeps the CA of a kas that ran alone on its files when it moves to the database; later ones get it too', async () => {
    // kasCertificateStore uses the row `agent-api`; this file's other tests use rows of their own.
    const secret = randomBytes(32);
    const alone = path.join(dir, 'alone');
    const files = ensureSelfSignedCertificate(path.join(alone, 'tls', 'agent-api'));
    const onDatabase = { backend: 'postgres' as const, db: database().db };
    const moved = await ensureStoredCertificate(await kasCertificateStore(onDatabase, alone, secret));
    expect(fingerprint(moved.certPem)).toBe(fingerprint(files.certPem));
    expect(moved.caFile).toBe(path.join(alone, 'tls', 'shared', 'ca.crt'));

    // A replica with other files of its own (or none) serves the stored CA, not its own.
    const second = path.join(dir, 'second');
    ensureSelfSignedCertificate(path.join(second, 'tls', 'agent-api'));
    const joined = await ensureStoredCertificate(await kasCertificateStore(onDatabase, second, secret));
    expect(joined.caPem!.equals(files.caPem!)).toBe(true);
    const empty = await ensureStoredCertificate(
      await kasCertificateStore(onDatabase, path.join(dir, 'empty'), secret),
    );
    expect(empty.caPem!.equals(files.caPem!)).toBe(true);

    // On PGlite (one kas per data dir) the store is the data dir's files, as before.
    const embedded = await kasCertificateStore({ backend: 'pglite', db: database().db }, alone, secret);
    const fromFiles = await ensureStoredCertificate(embedded);
    expect(fromFiles.caFile).toBe(path.join(alone, 'tls', 'agent-api', 'ca.crt'));
    expect(fingerprint(fromFiles.certPem)).toBe(fingerprint(files.certPem));
  });
});
