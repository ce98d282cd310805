// The Kubernetes API proxy's contribution to kas's settings table (apps/kas/src/config.ts collects it from the module).
import { z } from 'zod';
import { portSchema, type SettingsTable } from '../../shared/settings';
import { DEFAULT_EXEC_SESSIONS_PER_USER } from './exec-sessions';

const optionalPath = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/**
 * The proxy's public URL (MOORING_PROXY_URL): what a load balancer in front of several replicas answers on. An
 * absolute http(s) URL without credentials, query or fragment; a trailing slash is dropped so kubeconfigs join paths
 * onto it the same way as onto the listener's own URL.
 */
export const publicProxyUrlSchema = z
  .string()
  .trim()
  .max(2000, 'expected a URL of at most 2000 characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'expected an absolute URL such as https://kas.example.com/k8s-proxy (the load balancer in front of the proxy)',
      });
      return;
    }
    const problem =
      url.protocol !== 'https:' && url.protocol !== 'http:'
        ? 'expected an https:// (or http://) URL'
        : url.username || url.password
          ? 'must not carry a user name or password (kubeconfigs carry their own token)'
          : url.search || url.hash
            ? 'must not have a query or fragment'
            : null;
    if (problem)
      ctx.addIssue({ code: 'custom', message: `${problem}, e.g. https://kas.example.com/k8s-proxy` });
  })
  .transform((value) => value.replace(/\/+$/, ''))
  .optional();

/** HTTP/2 streams per proxy connection (Go's HTTP/2 server's default too). */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 250;

export const kubernetesApiSettings = {
  proxyPort: {
    env: 'MOORING_PROXY_PORT',
    flag: '--proxy-port',
    schema: portSchema.default(8154),
    description: 'Kubernetes API proxy /k8s-proxy (kubectl through kas)',
  },
  proxyUrl: {
    env: 'MOORING_PROXY_URL',
    flag: '--proxy-url',
    schema: publicProxyUrlSchema,
    defaultText: 'unset (the listener)',
    description:
      'the Kubernetes API proxy URL kubeconfigs and the console are given (a load balancer in front of the replicas, e.g. https://kas.example.com/k8s-proxy); the proxy itself still listens on MOORING_PROXY_PORT',
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
