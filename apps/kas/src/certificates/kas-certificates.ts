// Where kas keeps its self-signed CA and server certificate: in <data dir>/tls/agent-api on PGlite (one kas per
// data dir, files 0600 in 0700 directories), in the database on PostgreSQL so every replica serves the same CA and
// agents, kubeconfigs and the console's pinned CA work whichever replica answers.
import path from 'node:path';
import type { OpenedDatabase } from '@mooring/db';
import { certificateDirectory, type CertificateStore } from '@mooring/modules/shared/certificates';
import { databaseCertificateStore } from './database-store';

export async function kasCertificateStore(
  database: Pick<OpenedDatabase, 'backend' | 'db'>,
  dataDir: string,
  secret: Buffer,
): Promise<CertificateStore> {
  const files = certificateDirectory(path.join(dataDir, 'tls', 'agent-api'));
  if (database.backend === 'pglite') return files;
  const shared = databaseCertificateStore(database.db, secret, {
    // Not tls/agent-api/ca.crt: that directory's CA key belongs to the files, which may hold another CA.
    caFile: path.join(dataDir, 'tls', 'shared', 'ca.crt'),
  });
  // A kas that ran alone on its files keeps its CA when it moves to PostgreSQL: the first to find the table empty
  // offers its own (insert-if-absent, so replicas starting together still agree on one), and agents that trust that
  // CA stay connected.
  const own = await files.read();
  if (own && !(await shared.read())) await shared.replace(null, own);
  return shared;
}
