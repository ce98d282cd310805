// The Kubernetes API proxy's contribution to kas's settings table (apps/kas/src/config.ts collects it from the module).
import { z } from 'zod';
import { portSchema, type SettingsTable } from '../../shared/settings';
import { DEFAULT_EXEC_SESSIONS_PER_USER } from './exec-sessions';

const optionalPath = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/** HTTP/2 streams per proxy connection (Go's HTTP/2 server's default too). */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 250;

export const kubernetesApiSettings = {
  proxyPort: {
    env: 'MOORING_PROXY_PORT',
    flag: '--proxy-port',
    schema: portSchema.default(8154),
    description: 'Kubernetes API proxy /k8s-proxy (kubectl through kas)',
  },
  proxyHttp2MaxStreams: {
    env: 'MOORING_PROXY_HTTP2_MAX_STREAMS',
    flag: '--proxy-http2-max-streams',
    schema: z.coerce
      .number({ error: 'expected a whole number of streams per connection, 1-1000' })
      .int('expected a whole number of streams per connection, 1-1000')
      .min(1, 'expected at least 1 stream per connection')
      .max(1000, 'expected at most 1000 streams per connection')
      .default(DEFAULT_MAX_CONCURRENT_STREAMS),
    description:
      'HTTP/2 requests one client connection to the Kubernetes API proxy may have open at once; more are refused (REFUSED_STREAM) and clients open another connection',
  },
  proxyUserExecSessions: {
    env: 'MOORING_PROXY_USER_EXEC_SESSIONS',
    flag: '--proxy-user-exec-sessions',
    schema: z.coerce
      .number({ error: 'expected a whole number of sessions per user, 1-1000' })
      .int('expected a whole number of sessions per user, 1-1000')
      .min(1, 'expected at least 1 session per user')
      .max(1000, 'expected at most 1000 sessions per user')
      .default(DEFAULT_EXEC_SESSIONS_PER_USER),
    description:
      'exec and attach sessions (browser terminals, kubectl exec/attach) one user may have open at once through the Kubernetes API proxy; more are refused with 429 naming this setting',
  },
  proxyTlsCertFile: {
    env: 'MOORING_PROXY_TLS_CERT_FILE',
    flag: '--proxy-tls-cert-file',
    schema: optionalPath,
    defaultText: 'unset (self-signed)',
    description:
      "PEM certificate chain the Kubernetes API proxy serves (with MOORING_PROXY_TLS_KEY_FILE); re-read hourly. Unset: the agent listener's self-signed CA, renewed before it expires",
  },
  proxyTlsKeyFile: {
    env: 'MOORING_PROXY_TLS_KEY_FILE',
    flag: '--proxy-tls-key-file',
    schema: optionalPath,
    description: 'PEM private key of MOORING_PROXY_TLS_CERT_FILE',
  },
  proxyTlsCaFile: {
    env: 'MOORING_PROXY_TLS_CA_FILE',
    flag: '--proxy-tls-ca-file',
    schema: optionalPath,
    defaultText: 'unset (system roots)',
    description:
      'PEM CA embedded in generated kubeconfigs for a private CA; unset with a certificate file: kubeconfigs use the system roots',
  },
} as const satisfies SettingsTable;
