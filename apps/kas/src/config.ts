import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';

/** The repository root: apps/kas/src/config.ts → ../../.. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const port = z.coerce
  .number({ error: 'expected a port number 0-65535 (0 picks a free port)' })
  .int('expected a whole port number 0-65535 (0 picks a free port)')
  .min(0, 'expected a port number 0-65535 (0 picks a free port)')
  .max(65535, 'expected a port number 0-65535 (0 picks a free port)');

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/**
 * One entry per setting: the env variable, the flag mirroring it and the schema of its raw string.
 * Flags win over env, env wins over defaults.
 */
const settings = {
  dataDir: {
    env: 'MOORING_DATA_DIR',
    flag: '--data-dir',
    schema: z
      .string()
      .min(1, 'expected a directory path')
      .default(path.join(repoRoot, '.mooring'))
      .transform((value) => path.resolve(value)),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    schema: optionalString.refine(
      (value) => value === undefined || /^postgres(ql)?:\/\/.+/.test(value),
      'expected a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/mooring (unset it to use the embedded PGlite database)',
    ),
  },
  redisUrl: {
    env: 'REDIS_URL',
    flag: '--redis-url',
    schema: optionalString.refine(
      (value) => value === undefined || /^rediss?:\/\/.+/.test(value),
      'expected a Redis URL such as redis://127.0.0.1:6379',
    ),
  },
  secret: {
    env: 'MOORING_SECRET',
    flag: '--secret',
    schema: optionalString.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const bytes = Buffer.from(value, 'base64');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || bytes.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message: `expected 32 bytes encoded as base64 (got ${bytes.length} bytes); generate one with: openssl rand -base64 32`,
        });
        return z.NEVER;
      }
      return bytes;
    }),
  },
  privateApiSecret: {
    env: 'MOORING_PRIVATE_API_SECRET',
    flag: '--private-api-secret',
    schema: optionalString,
  },
  adminPassword: {
    env: 'MOORING_ADMIN_PASSWORD',
    flag: '--admin-password',
    schema: optionalString.refine(
      (value) => value === undefined || value.length >= 8,
      'expected at least 8 characters',
    ),
  },
  kasUrl: {
    env: 'MOORING_KAS_URL',
    flag: '--kas-url',
    schema: optionalString.refine(
      (value) => value === undefined || URL.canParse(value),
      'expected an absolute URL such as grpc://127.0.0.1:8150',
    ),
  },
  listenHost: {
    env: 'MOORING_LISTEN_HOST',
    flag: '--listen-host',
    schema: z.string().min(1, 'expected a host address such as 127.0.0.1').default('127.0.0.1'),
  },
  agentPort: { env: 'MOORING_AGENT_PORT', flag: '--agent-port', schema: port.default(8150) },
  observabilityPort: {
    env: 'MOORING_OBSERVABILITY_PORT',
    flag: '--observability-port',
    schema: port.default(8151),
  },
  apiPort: { env: 'MOORING_API_PORT', flag: '--api-port', schema: port.default(8153) },
  proxyPort: { env: 'MOORING_PROXY_PORT', flag: '--proxy-port', schema: port.default(8154) },
  proxyTlsCertFile: {
    env: 'MOORING_PROXY_TLS_CERT_FILE',
    flag: '--proxy-tls-cert-file',
    schema: optionalString,
    description:
      "PEM certificate chain the Kubernetes API proxy serves (with MOORING_PROXY_TLS_KEY_FILE); re-read hourly. Unset: the agent listener's self-signed CA, renewed before it expires",
  },
  proxyTlsKeyFile: {
    env: 'MOORING_PROXY_TLS_KEY_FILE',
    flag: '--proxy-tls-key-file',
    schema: optionalString,
    description: 'PEM private key of MOORING_PROXY_TLS_CERT_FILE',
  },
  proxyTlsCaFile: {
    env: 'MOORING_PROXY_TLS_CA_FILE',
    flag: '--proxy-tls-ca-file',
    schema: optionalString,
    description:
      'PEM CA embedded in generated kubeconfigs for a private CA; unset with a certificate file: kubeconfigs use the system roots',
  },
  privateApiPort: {
    env: 'MOORING_PRIVATE_API_PORT',
    flag: '--private-api-port',
    schema: port.default(8155),
  },
  logLevel: {
    env: 'MOORING_LOG_LEVEL',
    flag: '--log-level',
    schema: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  },
} as const;

type Settings = typeof settings;
type SettingKey = keyof Settings;

const configSchema = z.object(
  Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, s.schema])) as {
    [K in SettingKey]: Settings[K]['schema'];
  },
);

export type KasConfig = z.output<typeof configSchema>;

/** A bad setting: the message names the variable, the flag and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseFlags(argv: readonly string[]): Partial<Record<SettingKey, string>> {
  const byFlag = new Map<string, SettingKey>(
    Object.entries(settings).map(([key, s]) => [s.flag, key as SettingKey]),
  );
  const values: Partial<Record<SettingKey, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // `pnpm start -- --flag` may pass the separator through.
    if (arg === '--') continue;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (key === undefined) {
      const known = [...byFlag.keys()].join(', ');
      throw new ConfigError(`unknown argument ${JSON.stringify(arg)}; kas accepts: ${known}`);
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    values[key] = value;
  }
  return values;
}

/** Reads kas settings from the environment and `--flags` (flags win). Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): KasConfig {
  const fromFlags = parseFlags(argv);
  const raw: Record<string, string | undefined> = {};
  for (const [key, s] of Object.entries(settings) as [SettingKey, Settings[SettingKey]][]) {
    const value = fromFlags[key] ?? env[s.env];
    raw[key] = value === '' ? undefined : value;
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as SettingKey;
    const s = settings[key];
    const shown = key === 'secret' || key === 'adminPassword' || key === 'privateApiSecret';
    const got = shown ? '' : ` (got ${JSON.stringify(raw[key])})`;
    return `${s.env} (flag ${s.flag}): ${issue.message}${got}`;
  });
  throw new ConfigError(`invalid kas configuration:\n  ${lines.join('\n  ')}`);
}

/** The table of settings, for docs and `--help`. */
export function describeSettings(): { env: string; flag: string }[] {
  return Object.values(settings).map((s) => ({ env: s.env, flag: s.flag }));
}
