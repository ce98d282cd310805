// TLS material for the agent listener: a self-signed CA and a server certificate made on first start and kept in
// a directory (so agentk's --ca-cert-file stays valid across restarts) or in a store every kas replica shares (kas
// on PostgreSQL: the database), or a given certificate and key. The certificates themselves come from the shared
// certificate maker.
import {
  ensureSelfSignedCertificate,
  ensureStoredCertificate,
  readCertificateFiles,
  type CertificateStore,
  type TlsMaterial,
} from '../shared/certificates';

export { ensureSelfSignedCertificate, type TlsMaterial } from '../shared/certificates';

export type AgentApiTls =
  /**
   * Generate (once) and reuse a CA and server certificate in `dir`, or in `store` instead when given (replicas
   * sharing one CA).
   */
  | { mode: 'self-signed'; dir: string; hosts?: string[]; store?: CertificateStore }
  /** A certificate chain and key in PEM files. */
  | { mode: 'files'; certFile: string; keyFile: string }
  /** Plain HTTP/2 (h2c). Only when explicitly configured. */
  | { mode: 'insecure' };

export async function loadTlsMaterial(tls: Exclude<AgentApiTls, { mode: 'insecure' }>): Promise<TlsMaterial> {
  if (tls.mode === 'files') {
    return readCertificateFiles({
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      certWhat: "the agent API's TLS certificate",
      keyWhat: "the agent API's TLS key",
    });
  }
  if (tls.store) return ensureStoredCertificate(tls.store, { hosts: tls.hosts });
  return ensureSelfSignedCertificate(tls.dir, { hosts: tls.hosts });
}
