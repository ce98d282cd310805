// The Kubernetes API proxy's contribution to kas's settings table (apps/kas/src/config.ts collects it from the module).
import { z } from 'zod';
import { portSchema, type SettingsTable } from '../../shared/settings';

const optionalPath = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const kubernetesApiSettings = {
  proxyPort: {
    env: 'MOORING_PROXY_PORT',
    flag: '--proxy-port',
    schema: portSchema.default(8154),
    description: 'Kubernetes API proxy /k8s-proxy (kubectl through kas)',
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
