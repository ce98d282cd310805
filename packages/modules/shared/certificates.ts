// The one certificate maker (kube-dev, as test infrastructure, keeps its own PKI): a self-signed CA and a server
// certificate made with the system's openssl and renewed before they expire, kept in a store so a CA that clients
// trust stays valid across restarts — a directory (one kas), or any CertificateStore (kas's PostgreSQL table, which
// every replica shares; see apps/kas/src/certificates/) — a throwaway pair for tests; and reading a given
// certificate and key.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY_MS = 24 * 3600 * 1000;

export interface TlsMaterial {
  certPem: Buffer;
  keyPem: Buffer;
  /** The CA clients should trust (self-signed), else null (a real certificate: the system roots). */
  caPem: Buffer | null;
  caFile: string | null;
  /** When the server certificate expires. */
  notAfter: Date;
}

export interface SelfSignedOptions {
  /** Extra DNS names or IP addresses; localhost, this host's name, 127.0.0.1 and ::1 are always in. */
  hosts?: string[];
  /** The CA's common name. */
  caName?: string;
  /** Milliseconds; default Date.now. Decides whether the certificate is due for renewal. */
  now?: () => number;
  /** Re-issue the server certificate when it expires within this long; default 30 days. */
  renewBeforeMs?: number;
  /** Validity of a new server certificate; default 825 days (the most clients accept). */
  serverDays?: number;
  /** The certificate also serves as a TLS client certificate (mTLS tests: kas dialing a receptive agentk). */
  clientAuth?: boolean;
}

export const CERTIFICATE_DEFAULTS = { renewBeforeMs: 30 * DAY_MS, serverDays: 825, caDays: 3650 } as const;

/** A self-signed CA and the server certificate it issued, as PEM text, private keys included. */
export interface SelfSignedCertificates {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Where the self-signed certificates are kept. `replace` is a compare-and-set, so processes sharing a store (kas
 * replicas on one database) never overwrite each other's CA: the one whose `replace` lands wins, the others read
 * the winner's certificates and serve those.
 */
export interface CertificateStore {
  /** What the store holds, or null when nothing yet. */
  read(): Promise<SelfSignedCertificates | null>;
  /**
   * Stores `next` if the store still holds `current` (the same server certificate; null: still nothing), and
   * says whether it did. False means another process stored its own first: read again.
   */
  replace(current: SelfSignedCertificates | null, next: SelfSignedCertificates): Promise<boolean>;
  /** A file holding the CA certificate, for agentk's --ca-cert-file; null when the CA lives only in the store. */
  readonly caFile: string | null;
}

/** The server certificate's SHA-256 fingerprint: what a store's compare-and-set compares. */
export function certificateFingerprint(certs: Pick<SelfSignedCertificates, 'certPem'>): string {
  return new X509Certificate(certs.certPem).fingerprint256;
}

/**
 * A CA and a server certificate in `dir` (made on first use, files 0600 in a 0700 directory). The server
 * certificate is re-issued by the same CA when it expires within `renewBeforeMs`, so clients that trust the CA
 * keep working; the CA itself is replaced (and must be trusted again) only when it is about to expire too.
 */
export function ensureSelfSignedCertificate(dir: string, options: SelfSignedOptions = {}): TlsMaterial {
  const current = readCertificateDir(dir);
  const next = renewedSelfSigned(current, options);
  if (next) writeCertificateDir(dir, next);
  return tlsMaterialOf(next ?? (current as SelfSignedCertificates), join(dir, CERT_FILES.caCertPem));
}

/**
 * The same for any store, when several processes may share it: a missing or due certificate is made here and
 * offered with a compare-and-set; whoever loses reads the winner's (which is not due) and serves that.
 */
export async function ensureStoredCertificate(
  store: CertificateStore,
  options: SelfSignedOptions = {},
): Promise<TlsMaterial> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.read();
    const next = renewedSelfSigned(current, options);
    if (!next) return tlsMaterialOf(current!, store.caFile);
    if (await store.replace(current, next)) return tlsMaterialOf(next, store.caFile);
    if (attempt >= 5) {
      // Only a store whose certificates are due again right after every replacement gets here (clocks years apart).
      throw new Error(
        'the stored self-signed certificate was replaced by another kas 5 times while this one renewed it; ' +
          "check the replicas' clocks",
      );
    }
  }
}

/** A store in a directory: the files ensureSelfSignedCertificate keeps (one process per directory). */
export function certificateDirectory(dir: string): CertificateStore {
  return {
    caFile: join(dir, CERT_FILES.caCertPem),
    async read() {
      const held = readCertificateDir(dir);
      return held.caCertPem && held.caKeyPem && held.certPem && held.keyPem
        ? (held as SelfSignedCertificates)
        : null;
    },
    async replace(current, next) {
      // Synchronous from the read to the last rename: nothing else in this process runs in between.
      const held = readCertificateDir(dir);
      if ((held.certPem ?? null) !== (current?.certPem ?? null)) return false;
      writeCertificateDir(dir, next);
      return true;
    },
  };
}

/**
 * The certificates `current` should be replaced with, or null when it is good: a new CA (and server certificate)
 * when there is none or it is due, else a new server certificate from the same CA when that one is missing or due.
 */
export function renewedSelfSigned(
  current: Partial<SelfSignedCertificates> | null,
  options: SelfSignedOptions = {},
): SelfSignedCertificates | null {
  const now = (options.now ?? Date.now)();
  const renewBeforeMs = options.renewBeforeMs ?? CERTIFICATE_DEFAULTS.renewBeforeMs;
  const due = (pem: string | undefined) => !pem || notAfterOf(pem) - now < renewBeforeMs;
  const caDue = !current?.caKeyPem || due(current.caCertPem);
  if (!caDue && current.keyPem && !due(current.certPem)) return null;
  return withScratchDir((scratch) => {
    const caKey = join(scratch, 'ca.key');
    const caCert = join(scratch, 'ca.crt');
    if (caDue) makeCa(caKey, caCert, options.caName ?? 'Mooring self-signed CA');
    else {
      writeFileSync(caKey, current.caKeyPem!, { mode: 0o600 });
      writeFileSync(caCert, current.caCertPem!, { mode: 0o600 });
    }
    const serverKey = join(scratch, 'server.key');
    const serverCert = join(scratch, 'server.crt');
    const names = [...new Set(['localhost', hostname(), '127.0.0.1', '::1', ...(options.hosts ?? [])])];
    issueServerCertificate(scratch, {
      caKey,
      caCert,
      serverKey,
      serverCert,
      names,
      days: options.serverDays,
      clientAuth: options.clientAuth,
    });
    return {
      caCertPem: readFileSync(caCert, 'utf8'),
      caKeyPem: readFileSync(caKey, 'utf8'),
      certPem: readFileSync(serverCert, 'utf8'),
      keyPem: readFileSync(serverKey, 'utf8'),
    };
  });
}

export function tlsMaterialOf(certs: SelfSignedCertificates, caFile: string | null): TlsMaterial {
  return {
    certPem: Buffer.from(certs.certPem),
    keyPem: Buffer.from(certs.keyPem),
    caPem: Buffer.from(certs.caCertPem),
    caFile,
    notAfter: new Date(notAfterOf(certs.certPem)),
  };
}

const CERT_FILES = {
  caCertPem: 'ca.crt',
  caKeyPem: 'ca.key',
  certPem: 'server.crt',
  keyPem: 'server.key',
} as const satisfies Record<keyof SelfSignedCertificates, string>;

function readCertificateDir(dir: string): Partial<SelfSignedCertificates> {
  const held: Partial<SelfSignedCertificates> = {};
  for (const [field, file] of Object.entries(CERT_FILES) as [keyof SelfSignedCertificates, string][]) {
    const at = join(dir, file);
    if (existsSync(at)) held[field] = readFileSync(at, 'utf8');
  }
  return held;
}

/** Each file written beside its place and renamed over it, 0600 in a 0700 directory. */
function writeCertificateDir(dir: string, certs: SelfSignedCertificates): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [field, file] of Object.entries(CERT_FILES) as [keyof SelfSignedCertificates, string][]) {
    const at = join(dir, file);
    writeFileSync(`${at}.new`, certs[field], { mode: 0o600 });
    renameSync(`${at}.new`, at);
  }
}

function withScratchDir<T>(work: (dir: string) => T): T {
  // mkdtemp makes it 0700; the keys in it are removed with it.
  const dir = mkdtempSync(join(tmpdir(), 'mooring-tls-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CA and server certificate that live only in memory (tests, stand-in servers). */
export function generateSelfSignedTls(
  hosts: string[] = [],
  options: Pick<SelfSignedOptions, 'clientAuth'> = {},
): {
  certPem: string;
  keyPem: string;
  caPem: string;
} {
  const made = renewedSelfSigned(null, { hosts, ...options })!;
  return { certPem: made.certPem, keyPem: made.keyPem, caPem: made.caCertPem };
}

/**
 * A certificate chain and key from PEM files, checked to be a pair. `what` names them in errors, e.g.
 * "the Kubernetes API proxy's TLS certificate (MOORING_PROXY_TLS_CERT_FILE)".
 */
export function readCertificateFiles(files: {
  certFile: string;
  keyFile: string;
  caFile?: string;
  certWhat: string;
  keyWhat: string;
  caWhat?: string;
}): TlsMaterial {
  const certPem = readRequired(files.certFile, files.certWhat);
  const keyPem = readRequired(files.keyFile, files.keyWhat);
  const cert = parseCertificate(certPem, files.certFile, files.certWhat);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new Error(
      `${files.keyWhat} ${files.keyFile} is not a PEM private key (${(error as Error).message})`,
      { cause: error },
    );
  }
  if (!cert.checkPrivateKey(key))
    throw new Error(
      `${files.keyWhat} ${files.keyFile} is not the key of ${files.certWhat} ${files.certFile}; give the pair`,
    );
  let caPem: Buffer | null = null;
  if (files.caFile) {
    const what = files.caWhat ?? 'the CA certificate';
    caPem = readRequired(files.caFile, what);
    parseCertificate(caPem, files.caFile, what);
  }
  return {
    certPem,
    keyPem,
    caPem,
    caFile: files.caFile ?? null,
    notAfter: new Date(Date.parse(cert.validTo)),
  };
}

function parseCertificate(pem: Buffer, file: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new Error(
      `${what} ${file} is not a PEM certificate (${(error as Error).message}); ` +
        'give a PEM file starting with -----BEGIN CERTIFICATE-----',
      { cause: error },
    );
  }
}

/** Milliseconds since the epoch at which the PEM certificate expires. */
export function notAfterOf(certPem: Buffer | string): number {
  return Date.parse(new X509Certificate(certPem).validTo);
}

function makeCa(caKey: string, caCert: string, name: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl([
    'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', String(CERTIFICATE_DEFAULTS.caDays), '-out', caCert,
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
}

function issueServerCertificate(
  dir: string,
  o: {
    caKey: string;
    caCert: string;
    serverKey: string;
    serverCert: string;
    names: string[];
    days?: number | undefined;
    clientAuth?: boolean | undefined;
  },
): void {
  const san = o.names.map((n) => (/^[0-9.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', o.serverKey]);
  openssl(['req', '-new', '-key', o.serverKey, '-out', csr, '-subj', '/CN=localhost']);
  writeFileSync(
    ext,
    `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth${o.clientAuth ? ',clientAuth' : ''}\n`,
    { mode: 0o600 },
  );
  openssl([
    'x509', '-req', '-in', csr, '-CA', o.caCert, '-CAkey', o.caKey, '-CAcreateserial',
    '-days', String(o.days ?? CERTIFICATE_DEFAULTS.serverDays), '-sha256', '-extfile', ext, '-out', o.serverCert,
  ]); // prettier-ignore
  rmSync(csr, { force: true });
}

function openssl(args: string[]): void {
  try {
    // umask 077 for the files openssl writes (keys included).
    execFileSync('sh', ['-c', 'umask 077 && exec openssl "$@"', 'openssl', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `could not create a self-signed certificate with openssl (${stderr.trim() || (error as Error).message}); ` +
        'install openssl or give a certificate and key',
      { cause: error },
    );
  }
}

function readRequired(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${what} ${file}: ${(error as Error).message}`, { cause: error });
  }
}
