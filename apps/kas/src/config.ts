import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
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

const milliseconds = z.coerce
  .number({ error: 'expected a duration in milliseconds, at least 1' })
  .int('expected a whole number of milliseconds')
  .min(1, 'expected a duration in milliseconds, at least 1');

/** Comma-separated IP addresses (IPv4 or IPv6). */
const addressList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.length > 0 && list.every((address) => isIP(address) !== 0),
    'expected comma-separated IP addresses such as 127.0.0.1,::1',
  );

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
  privateApiPort: {
    env: 'MOORING_PRIVATE_API_PORT',
    flag: '--private-api-port',
    schema: port.default(8155),
  },
  consoleUrl: {
    env: 'MOORING_CONSOLE_URL',
    flag: '--console-url',
    description:
      "the console's public origin (https://console.example.com): Secure cookies when https, the Origin proxy upgrades must come from, the base of links",
    schema: optionalString.refine(
      (value) => value === undefined || /^https?:\/\/[^/]+\/?$/.test(value),
      'expected an origin such as https://console.example.com (scheme and host, no path)',
    ),
  },
  consoleAddresses: {
    env: 'MOORING_CONSOLE_ADDRESSES',
    flag: '--console-addresses',
    description:
      'comma-separated IP addresses of console servers: only requests from these may set X-Mooring-Client-Address (the browser address used by the login throttle and audit)',
    schema: addressList.default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
  },
  headersTimeoutMs: {
    env: 'MOORING_HEADERS_TIMEOUT_MS',
    flag: '--headers-timeout-ms',
    description: 'every listener: a client must send its request headers within this time',
    schema: milliseconds.default(10_000),
  },
  rejectedBodyTimeoutMs: {
    env: 'MOORING_REJECTED_BODY_TIMEOUT_MS',
    flag: '--rejected-body-timeout-ms',
    description:
      'every listener: after an unauthenticated or rejected answer, the rest of the request body must arrive within this time',
    schema: milliseconds.default(30_000),
  },
  keepAliveTimeoutMs: {
    env: 'MOORING_KEEP_ALIVE_TIMEOUT_MS',
    flag: '--keep-alive-timeout-ms',
    description: 'every listener: an idle keep-alive connection is closed after this time',
    schema: milliseconds.default(60_000),
  },
  firstCallTimeoutMs: {
    env: 'MOORING_FIRST_CALL_TIMEOUT_MS',
    flag: '--first-call-timeout-ms',
    description:
      'TLS and gRPC listeners: a connection that completes no handshake or makes no call within this time is closed',
    schema: milliseconds.default(20_000),
  },
  tokenRateLimitPerMinute: {
    env: 'MOORING_TOKEN_RATE_LIMIT_PER_MINUTE',
    flag: '--token-rate-limit-per-minute',
    description:
      'Kubernetes API proxy: requests per minute one credential may make; more get 429 with Retry-After (0 disables)',
    schema: z.coerce
      .number({ error: 'expected a whole number of requests per minute (0 disables the limit)' })
      .int('expected a whole number of requests per minute (0 disables the limit)')
      .min(0, 'expected a whole number of requests per minute (0 disables the limit)')
      .default(40_000),
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
