import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of the cluster's private PKI; every cert is signed by one CA made for this cluster. */
export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  /** kube-apiserver's serving cert (SAN 127.0.0.1, localhost, the in-cluster service names). */
  apiserverCert: string;
  apiserverKey: string;
  /** Client cert the apiserver presents to kwok's kubelet port. */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** Serving cert for kwok's kubelet port, controller-manager and scheduler (SAN 127.0.0.1, localhost). */
  componentCert: string;
  componentKey: string;
  /** Service-account token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** PEM of caCert, for kubeconfigs and clients. */
  caPem: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `kube-dev PKI: "openssl ${args.slice(0, 2).join(' ')}" failed; the openssl CLI (3.x) must be on PATH.\n${stderr || (error as Error).message}`,
    );
  }
}

/** ECDSA P-256: key generation is instant and every component accepts it (ES256 for SA tokens). */
async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

/** The v3 extensions section for a leaf certificate; pure so it can be unit-tested. */
export function leafExtensions(options: { sans?: string[]; usage: 'server' | 'client' | 'both' }): string {
  const usage = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[options.usage];
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
  ];
  if (options.sans && options.sans.length > 0) lines.push(`subjectAltName=${options.sans.join(',')}`);
  return lines.join('\n') + '\n';
}

async function signLeaf(
  dir: string,
  name: string,
  subject: string,
  ca: { cert: string; key: string },
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await newKey(key);
  await writeFile(ext, extensions);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await openssl([
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '825', '-sha256', '-extfile', ext, '-out', cert,
  ]); // prettier-ignore
  return { cert, key };
}

export async function createClusterPki(dir: string, clusterName: string): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await newKey(caKey);
  await openssl([
    'req', '-x509', '-new', '-key', caKey, '-subj', `/CN=mooring-kube-dev-ca-${clusterName}`,
    '-days', '3650', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-out', caCert,
  ]); // prettier-ignore
  const ca = { cert: caCert, key: caKey };
  const loopback = ['IP:127.0.0.1', 'DNS:localhost'];
  const [apiserver, kubeletClient, component] = await Promise.all([
    signLeaf(
      dir,
      'apiserver',
      '/CN=kube-apiserver',
      ca,
      leafExtensions({
        usage: 'server',
        sans: [
          ...loopback,
          'IP:10.96.0.1',
          'DNS:kubernetes',
          'DNS:kubernetes.default',
          'DNS:kubernetes.default.svc',
          'DNS:kubernetes.default.svc.cluster.local',
        ],
      }),
    ),
    signLeaf(
      dir,
      'apiserver-kubelet-client',
      '/O=system:masters/CN=kube-apiserver-kubelet-client',
      ca,
      leafExtensions({ usage: 'client' }),
    ),
    signLeaf(
      dir,
      'component',
      '/CN=kube-dev-component',
      ca,
      leafExtensions({ usage: 'server', sans: loopback }),
    ),
  ]);
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  await newKey(serviceAccountKey);
  await openssl(['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]);
  return {
    dir,
    caCert,
    caKey,
    apiserverCert: apiserver.cert,
    apiserverKey: apiserver.key,
    kubeletClientCert: kubeletClient.cert,
    kubeletClientKey: kubeletClient.key,
    componentCert: component.cert,
    componentKey: component.key,
    serviceAccountKey,
    serviceAccountPub,
    caPem: await readFile(caCert, 'utf8'),
  };
}
