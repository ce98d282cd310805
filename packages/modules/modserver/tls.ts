// TLS material for the agent listener: a self-signed CA and a server certificate made on first start and kept in
// a directory (so agentk's --ca-cert-file stays valid across restarts), or a given certificate and key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type AgentApiTls =
  /** Generate (once) and reuse a CA and server certificate in `dir`. */
  | { mode: 'self-signed'; dir: string; hosts?: string[] }
  /** A certificate chain and key in PEM files. */
  | { mode: 'files'; certFile: string; keyFile: string }
  /** Plain HTTP/2 (h2c). Only when explicitly configured. */
  | { mode: 'insecure' };

export interface TlsMaterial {
  certPem: Buffer;
  keyPem: Buffer;
  /** The CA agentk should trust (self-signed mode), else null. */
  caPem: Buffer | null;
  caFile: string | null;
}

export function loadTlsMaterial(tls: Exclude<AgentApiTls, { mode: 'insecure' }>): TlsMaterial {
  if (tls.mode === 'files') {
    return {
      certPem: readRequired(tls.certFile, 'TLS certificate'),
      keyPem: readRequired(tls.keyFile, 'TLS key'),
      caPem: null,
      caFile: null,
    };
  }
  return ensureSelfSignedCertificate(tls.dir, tls.hosts);
}

export function ensureSelfSignedCertificate(dir: string, hosts?: string[]): TlsMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  const serverKey = join(dir, 'server.key');
  const serverCert = join(dir, 'server.crt');
  if (!existsSync(caCert) || !existsSync(caKey)) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
    openssl([
      'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', '3650', '-out', caCert,
      '-subj', '/CN=Mooring agent API CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]); // prettier-ignore
  }
  if (!existsSync(serverCert) || !existsSync(serverKey)) {
    const names = [...new Set(['localhost', hostname(), ...(hosts ?? [])])];
    const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
    const csr = join(dir, 'server.csr');
    const ext = join(dir, 'server.ext');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', serverKey]);
    openssl(['req', '-new', '-key', serverKey, '-out', csr, '-subj', '/CN=localhost']);
    writeFileSync(
      ext,
      `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    openssl([
      'x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '825',
      '-sha256', '-extfile', ext, '-out', serverCert,
    ]); // prettier-ignore
  }
  return {
    certPem: readFileSync(serverCert),
    keyPem: readFileSync(serverKey),
    caPem: readFileSync(caCert),
    caFile: caCert,
  };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `could not create the agent API's self-signed certificate with openssl (${stderr.trim() || (error as Error).message}); ` +
        'install openssl or give a certificate and key',
      { cause: error },
    );
  }
}

function readRequired(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the agent API ${what} ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
