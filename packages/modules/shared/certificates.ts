// The one certificate maker (kube-dev, as test infrastructure, keeps its own PKI): a self-signed CA and a server
// certificate made with the system's openssl, kept in a directory (so a CA that clients trust stays valid across
// restarts) and renewed before it expires; a throwaway pair for tests; and reading a given certificate and key.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A CA and a server certificate in `dir` (made on first use, files 0600 in a 0700 directory). The server
 * certificate is re-issued by the same CA when it expires within `renewBeforeMs`, so clients that trust the CA
 * keep working; the CA itself is replaced (and must be trusted again) only when it is about to expire too.
 */
export function ensureSelfSignedCertificate(dir: string, options: SelfSignedOptions = {}): TlsMaterial {
  const now = (options.now ?? Date.now)();
  const renewBeforeMs = options.renewBeforeMs ?? CERTIFICATE_DEFAULTS.renewBeforeMs;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  const serverKey = join(dir, 'server.key');
  const serverCert = join(dir, 'server.crt');
  const due = (file: string) => !existsSync(file) || notAfterOf(readFileSync(file)) - now < renewBeforeMs;
  let caRenewed = false;
  if (!existsSync(caKey) || due(caCert)) {
    makeCa(caKey, caCert, options.caName ?? 'Mooring self-signed CA');
    caRenewed = true;
  }
  if (caRenewed || !existsSync(serverKey) || due(serverCert)) {
    const names = [...new Set(['localhost', hostname(), '127.0.0.1', '::1', ...(options.hosts ?? [])])];
    issueServerCertificate(dir, {
      caKey,
      caCert,
      serverKey,
      serverCert,
      names,
      days: options.serverDays,
      clientAuth: options.clientAuth,
    });
  }
  const certPem = readFileSync(serverCert);
  return {
    certPem,
    keyPem: readFileSync(serverKey),
    caPem: readFileSync(caCert),
    caFile: caCert,
    notAfter: new Date(notAfterOf(certPem)),
  };
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
  const dir = mkdtempSync(join(tmpdir(), 'mooring-tls-'));
  try {
    const material = ensureSelfSignedCertificate(dir, { hosts, ...options });
    return {
      certPem: material.certPem.toString(),
      keyPem: material.keyPem.toString(),
      caPem: material.caPem!.toString(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
