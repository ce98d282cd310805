import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CERTIFICATE_DEFAULTS,
  certificateDirectory,
  certificateFingerprint,
  ensureSelfSignedCertificate,
  ensureStoredCertificate,
  generateSelfSignedTls,
  readCertificateFiles,
  type CertificateStore,
  type SelfSignedCertificates,
} from './certificates';

const DAY = 24 * 3600 * 1000;
const fingerprint = (pem: Buffer | string) => new X509Certificate(pem).fingerprint256;

describe('ensureSelfSignedCertificate', () => {
  it('makes a CA and a server certificate for loopback names once, privately, and reuses them', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'certs-')), 'tls');
    const first = ensureSelfSignedCertificate(dir, { hosts: ['kas.example'] });
    const cert = new X509Certificate(first.certPem);
    expect(cert.subjectAltName).toContain('DNS:kas.example');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.verify(new X509Certificate(first.caPem!).publicKey)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'server.key')).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'ca.key')).mode & 0o077).toBe(0);
    const again = ensureSelfSignedCertificate(dir);
    expect(fingerprint(again.certPem)).toBe(fingerprint(first.certPem));
    expect(first.notAfter.getTime() - Date.now()).toBeGreaterThan(800 * DAY);
  });

  it('re-issues the server certificate from the same CA when it is about to expire (injected clock)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certs-'));
    const first = ensureSelfSignedCertificate(dir);
    const justBefore = first.notAfter.getTime() - CERTIFICATE_DEFAULTS.renewBeforeMs - DAY;
    const notYet = ensureSelfSignedCertificate(dir, { now: () => justBefore });
    expect(fingerprint(notYet.certPem)).toBe(fingerprint(first.certPem));

    const due = first.notAfter.getTime() - CERTIFICATE_DEFAULTS.renewBeforeMs + DAY;
    const renewed = ensureSelfSignedCertificate(dir, { now: () => due });
    expect(fingerprint(renewed.certPem)).not.toBe(fingerprint(first.certPem));
    expect(renewed.caPem!.equals(first.caPem!)).toBe(true);
    expect(new X509Certificate(renewed.certPem).verify(new X509Certificate(first.caPem!).publicKey)).toBe(
      true,
    );
  });
});

/** A store in memory with the compare-and-set every store has; counts the replacements that landed and failed. */
function memoryStore(): CertificateStore & {
  held: SelfSignedCertificates | null;
  landed: number;
  lost: number;
} {
  const store = {
    held: null as SelfSignedCertificates | null,
    landed: 0,
    lost: 0,
    caFile: null,
    async read() {
      return store.held;
    },
    async replace(current: SelfSignedCertificates | null, next: SelfSignedCertificates) {
      const same = current === null ? store.held === null : store.held?.certPem === current.certPem;
      if (!same) {
        store.lost++;
        return false;
      }
      store.held = next;
      store.landed++;
      return true;
    },
  };
  return store;
}

describe('ensureStoredCertificate', () => {
  it('makes one CA when three processes find the store empty at once: the losers serve the winner', async () => {
    const store = memoryStore();
    // Every read resolves before any replace: all three find nothing, make their own and offer it.
    const served = await Promise.all([1, 2, 3].map(() => ensureStoredCertificate(store)));
    expect(store.landed).toBe(1);
    expect(store.lost).toBe(2);
    const fingerprints = new Set(served.map((m) => fingerprint(m.certPem)));
    expect(fingerprints).toEqual(new Set([certificateFingerprint(store.held!)]));
    expect(new Set(served.map((m) => fingerprint(m.caPem!))).size).toBe(1);
    // Read again later: the same certificate, nothing made.
    const again = await ensureStoredCertificate(store);
    expect(fingerprint(again.certPem)).toBe(certificateFingerprint(store.held!));
    expect(store.landed).toBe(1);
  });

  it('renews a due certificate once from the same CA when several processes see it due (injected clock)', async () => {
    const store = memoryStore();
    const first = await ensureStoredCertificate(store);
    const due = first.notAfter.getTime() - CERTIFICATE_DEFAULTS.renewBeforeMs + DAY;
    // openssl dates the new certificate from the real clock: 900 days keep it clear of renewal at `due`.
    const renew = { now: () => due, serverDays: 900 };
    const renewed = await Promise.all([1, 2].map(() => ensureStoredCertificate(store, renew)));
    expect(store.landed).toBe(2);
    expect(store.lost).toBe(1);
    expect(fingerprint(renewed[0]!.certPem)).toBe(fingerprint(renewed[1]!.certPem));
    expect(fingerprint(renewed[0]!.certPem)).not.toBe(fingerprint(first.certPem));
    expect(renewed[0]!.caPem!.equals(first.caPem!)).toBe(true);
    expect(new X509Certificate(renewed[0]!.certPem).verify(new X509Certificate(first.caPem!).publicKey)).toBe(
      true,
    );
  });
});

describe('certificateDirectory', () => {
  it('serves what ensureSelfSignedCertificate keeps, and refuses a replacement based on a stale read', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'certs-')), 'tls');
    const store = certificateDirectory(dir);
    expect(await store.read()).toBeNull();
    const made = await ensureStoredCertificate(store);
    expect(made.caFile).toBe(join(dir, 'ca.crt'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ['ca.key', 'ca.crt', 'server.key', 'server.crt'])
      expect(statSync(join(dir, file)).mode & 0o077).toBe(0);
    expect(fingerprint(ensureSelfSignedCertificate(dir).certPem)).toBe(fingerprint(made.certPem));

    const other = generateSelfSignedTls();
    const next = {
      caCertPem: other.caPem,
      caKeyPem: other.keyPem,
      certPem: other.certPem,
      keyPem: other.keyPem,
    };
    expect(await store.replace(null, next)).toBe(false);
    const held = (await store.read())!;
    expect(await store.replace(held, next)).toBe(true);
    expect(readFileSync(join(dir, 'server.crt'), 'utf8')).toBe(other.certPem);
  });
});

describe('readCertificateFiles', () => {
  const names = {
    certWhat: 'the proxy certificate (MOORING_PROXY_TLS_CERT_FILE)',
    keyWhat: 'the proxy key (MOORING_PROXY_TLS_KEY_FILE)',
  };

  it('reads a certificate, its key and an optional CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certs-'));
    const made = ensureSelfSignedCertificate(dir);
    const read = readCertificateFiles({
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      caFile: join(dir, 'ca.crt'),
      ...names,
    });
    expect(read.certPem.equals(made.certPem)).toBe(true);
    expect(read.caPem?.equals(made.caPem!)).toBe(true);
    expect(read.notAfter).toEqual(made.notAfter);
  });

  it('names the setting and the fix for a missing file, a non-certificate and a key of another certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certs-'));
    ensureSelfSignedCertificate(dir);
    const other = generateSelfSignedTls();
    writeFileSync(join(dir, 'other.key'), other.keyPem);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    const cert = join(dir, 'server.crt');
    expect(() => readCertificateFiles({ certFile: join(dir, 'nope'), keyFile: cert, ...names })).toThrow(
      /cannot read the proxy certificate \(MOORING_PROXY_TLS_CERT_FILE\) .*nope/,
    );
    expect(() =>
      readCertificateFiles({ certFile: join(dir, 'junk.pem'), keyFile: join(dir, 'server.key'), ...names }),
    ).toThrow(/is not a PEM certificate.*BEGIN CERTIFICATE/);
    expect(() => readCertificateFiles({ certFile: cert, keyFile: join(dir, 'other.key'), ...names })).toThrow(
      /MOORING_PROXY_TLS_KEY_FILE\) .* is not the key of the proxy certificate/,
    );
    expect(readFileSync(cert, 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
