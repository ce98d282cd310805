// Where the proxy's certificate comes from: the files an operator gives (MOORING_PROXY_TLS_CERT_FILE / _KEY_FILE,
// optional _CA_FILE to embed in kubeconfigs), or else the agent listener's self-signed CA in <data dir>/tls/agent-api
// (one CA for the whole kas) — or the store kas gives instead of that directory (kas on PostgreSQL: the database every
// replica shares) — or, without either, a throwaway one. The source is asked again periodically, so a
// rotated file is picked up and the self-signed certificate is renewed before it expires.
import { join } from 'node:path';
import {
  ensureSelfSignedCertificate,
  ensureStoredCertificate,
  generateSelfSignedTls,
  readCertificateFiles,
  type CertificateStore,
  type TlsMaterial,
} from '../../shared/certificates';

export interface ProxyTls {
  certPem: string;
  keyPem: string;
  /** The CA clients must trust (embedded into generated kubeconfigs); null: a public certificate, system roots. */
  caPem: string | null;
}

/** Called at start and on every refresh; returns the current material. */
export type ProxyTlsSource = () => ProxyTls | Promise<ProxyTls>;

export interface ProxyTlsSettings {
  proxyTlsCertFile?: string;
  proxyTlsKeyFile?: string;
  proxyTlsCaFile?: string;
  dataDir?: string;
  /** Where the self-signed certificates are kept instead of <dataDir>/tls/agent-api (kas on PostgreSQL). */
  certificates?: CertificateStore;
}

export const PROXY_TLS_ENV = {
  certFile: 'MOORING_PROXY_TLS_CERT_FILE',
  keyFile: 'MOORING_PROXY_TLS_KEY_FILE',
  caFile: 'MOORING_PROXY_TLS_CA_FILE',
} as const;

/** Validates the settings (both files or neither; a CA only with them) and returns the source. */
export function proxyTlsSource(
  settings: ProxyTlsSettings,
  options: { hosts?: string[]; now?: () => number } = {},
): ProxyTlsSource {
  const { proxyTlsCertFile: certFile, proxyTlsKeyFile: keyFile, proxyTlsCaFile: caFile } = settings;
  if (!certFile !== !keyFile) {
    const [set, unset] = certFile
      ? [PROXY_TLS_ENV.certFile, PROXY_TLS_ENV.keyFile]
      : [PROXY_TLS_ENV.keyFile, PROXY_TLS_ENV.certFile];
    throw new Error(
      `${set} is set but ${unset} is not: set both (the PEM certificate chain and its private key), ` +
        'or neither to use the self-signed certificate',
    );
  }
  if (certFile && keyFile) {
    return () => {
      const material = readCertificateFiles({
        certFile,
        keyFile,
        caFile,
        certWhat: `the Kubernetes API proxy's certificate (${PROXY_TLS_ENV.certFile})`,
        keyWhat: `the Kubernetes API proxy's key (${PROXY_TLS_ENV.keyFile})`,
        caWhat: `the CA for kubeconfigs (${PROXY_TLS_ENV.caFile})`,
      });
      return {
        certPem: material.certPem.toString(),
        keyPem: material.keyPem.toString(),
        caPem: material.caPem?.toString() ?? null,
      };
    };
  }
  if (caFile) {
    throw new Error(
      `${PROXY_TLS_ENV.caFile} is set without ${PROXY_TLS_ENV.certFile} and ${PROXY_TLS_ENV.keyFile}: ` +
        'the CA file only names the CA of a certificate you give; unset it to use the self-signed certificate',
    );
  }
  const selfSigned = (material: TlsMaterial): ProxyTls => ({
    certPem: material.certPem.toString(),
    keyPem: material.keyPem.toString(),
    caPem: material.caPem!.toString(),
  });
  const { certificates } = settings;
  if (certificates) {
    return async () =>
      selfSigned(await ensureStoredCertificate(certificates, { hosts: options.hosts, now: options.now }));
  }
  if (!settings.dataDir) {
    const throwaway = generateSelfSignedTls(options.hosts);
    return () => throwaway;
  }
  const dir = join(settings.dataDir, 'tls', 'agent-api');
  return () => selfSigned(ensureSelfSignedCertificate(dir, { hosts: options.hosts, now: options.now }));
}
