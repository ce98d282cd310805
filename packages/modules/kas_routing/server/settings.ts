// kas-to-kas routing's contribution to kas's settings table (the private API's port and secret stay in kas's own
// table, where they were parsed before this module existed).
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';

export const kasRoutingSettings = {
  privateApiUrl: {
    env: 'MOORING_PRIVATE_API_URL',
    flag: '--private-api-url',
    schema: z
      .string()
      .regex(/^(grpcs?:\/\/)?(\[[0-9a-fA-F:]+\]|[^\s/:[\]]+):\d{1,5}$/, {
        message: 'expected host:port or grpc://host:port / grpcs://host:port, e.g. grpc://kas-0.kas:8155',
      })
      .optional(),
    defaultText: 'grpc://<listen host or host name>:<port>',
    description: 'how the other kas replicas reach this one’s private API (kept in the tunnel tracker)',
  },
  privateApiTlsCertFile: {
    env: 'MOORING_PRIVATE_API_TLS_CERT_FILE',
    flag: '--private-api-tls-cert-file',
    schema: z.string().min(1).optional(),
    defaultText: 'unset (plaintext)',
    description:
      'PEM certificate chain for the private API; with its key, the private API speaks TLS (grpcs://)',
  },
  privateApiTlsKeyFile: {
    env: 'MOORING_PRIVATE_API_TLS_KEY_FILE',
    flag: '--private-api-tls-key-file',
    schema: z.string().min(1).optional(),
    description: 'PEM private key of the private API certificate',
  },
  privateApiCaFile: {
    env: 'MOORING_PRIVATE_API_CA_FILE',
    flag: '--private-api-ca-file',
    schema: z.string().min(1).optional(),
    defaultText: 'unset (system roots)',
    description: 'PEM CA the other replicas’ private API certificates are checked against (grpcs:// URLs)',
  },
} as const satisfies SettingsTable;
