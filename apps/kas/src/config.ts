import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import path from 'node:path';
import {
  collectSettings,
  parseSettings,
  portSchema as port,
  settingsHelp,
  type SettingsContribution,
  type SettingsTable,
  type SettingValues,
} from '@mooring/modules/shared/settings';
import { agentServerSettings } from '@mooring/modules/modserver/index';
import { z } from 'zod';
import { defaultModules } from './modules';
import { missingSharedSecret } from './secret';

/** The repository root: apps/kas/src/config.ts → ../../.. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

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
 * kas's own settings, one entry each: the env variable, the flag mirroring it, the schema of its raw string, what it
 * does (`--help` prints it; docs/operate.md lists exactly these and the modules' contributions), and `secret` for
 * values never echoed. Flags win over env, env wins over defaults. Modules contribute theirs via KasModule.settings.
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
    defaultText: '<repo>/.mooring',
    description: "kas's directory: the PGlite database, the generated secret, the lock file, TLS material",
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    // A URL may hold a password: a bad value is never echoed back.
    secret: true,
    schema: optionalString.refine(
      (value) => value === undefined || /^postgres(ql)?:\/\/.+/.test(value),
      'expected a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/mooring (unset it to use the embedded PGlite database)',
    ),
    defaultText: 'unset (PGlite)',
    description:
      'PostgreSQL instead of the embedded PGlite database (needed for several replicas; needs MOORING_SECRET); migrations run on start',
  },
  redisUrl: {
    env: 'REDIS_URL',
    flag: '--redis-url',
    secret: true,
    schema: optionalString.refine(
      (value) => value === undefined || /^rediss?:\/\/.+/.test(value),
      'expected a Redis URL such as redis://127.0.0.1:6379',
    ),
    defaultText: 'unset (one replica)',
    description:
      'Redis shared by several kas replicas: the tunnel tracker, connected-agent info, configuration and service events, the per-credential rate limit; unreachable, kas keeps serving the agents it holds and /readyz names the reason',
  },
  secret: {
    env: 'MOORING_SECRET',
    flag: '--secret',
    secret: true,
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
    defaultText: 'generated',
    description:
      '32 bytes, base64: keys for CSRF tokens, JWTs and at-rest encryption; required with DATABASE_URL (the same on every replica); unset on PGlite, kas keeps a generated one in <data dir>/secret',
  },
  privateApiSecret: {
    env: 'MOORING_PRIVATE_API_SECRET',
    flag: '--private-api-secret',
    secret: true,
    schema: optionalString,
    defaultText: 'from MOORING_SECRET',
    description: "the key of the private API's short-lived JWTs; every replica needs the same",
  },
  adminPassword: {
    env: 'MOORING_ADMIN_PASSWORD',
    flag: '--admin-password',
    secret: true,
    schema: optionalString.refine(
      (value) => value === undefined || value.length >= 8,
      'expected at least 8 characters',
    ),
    defaultText: 'generated',
    description:
      'password of the first admin, used only when the database has no users; unset, one is generated and printed once',
  },
  kasUrl: {
    env: 'MOORING_KAS_URL',
    flag: '--kas-url',
    schema: optionalString.refine(
      (value) => value === undefined || URL.canParse(value),
      'expected an absolute URL such as grpc://127.0.0.1:8150',
    ),
    defaultText: 'the agent listener URL',
    description: 'the address agents dial (grpc://… or grpcs://…), shown in install instructions',
  },
  consoleUrl: {
    env: 'MOORING_CONSOLE_URL',
    flag: '--console-url',
    schema: optionalString.transform((value, ctx) => {
      if (value === undefined) return undefined;
      const url = URL.canParse(value) ? new URL(value) : null;
      if (
        !url ||
        !['http:', 'https:'].includes(url.protocol) ||
        url.username !== '' ||
        url.password !== '' ||
        url.pathname !== '/' ||
        url.search !== '' ||
        url.hash !== ''
      ) {
        ctx.addIssue({
          code: 'custom',
          message:
            "expected the console's public origin: an absolute http:// or https:// URL without path, query or credentials, such as https://mooring.example.com",
        });
        return z.NEVER;
      }
      return url.origin;
    }),
    description:
      "the console's public origin (https://mooring.example.com): Secure session cookies when https, the Origin browser upgrades through the proxy must come from",
  },
  listenHost: {
    env: 'MOORING_LISTEN_HOST',
    flag: '--listen-host',
    schema: z.string().min(1, 'expected a host address such as 127.0.0.1').default('127.0.0.1'),
    description: 'address every listener binds; 0.0.0.0 to accept remote connections',
  },
  agentPort: {
    env: 'MOORING_AGENT_PORT',
    flag: '--agent-port',
    schema: port.default(8150),
    description: 'agent API (gRPC) for agentk',
  },
  observabilityPort: {
    env: 'MOORING_OBSERVABILITY_PORT',
    flag: '--observability-port',
    schema: port.default(8151),
    description: '/metrics, /livez, /readyz',
  },
  apiPort: {
    env: 'MOORING_API_PORT',
    flag: '--api-port',
    schema: port.default(8153),
    description: 'console API: REST /api/v1, tRPC /trpc',
  },
  privateApiPort: {
    env: 'MOORING_PRIVATE_API_PORT',
    flag: '--private-api-port',
    schema: port.default(8155),
    description:
      'with REDIS_URL: the private API, where other replicas route calls for agents this one holds',
  },
  configVersionsKept: {
    env: 'MOORING_CONFIG_VERSIONS_KEPT',
    flag: '--config-versions-kept',
    description:
      'agent configuration versions kept per agent, valid and rejected; older ones are deleted on save (the live version always stays)',
    schema: z.coerce
      .number({ error: 'expected a whole number of versions, at least 1' })
      .int('expected a whole number of versions, at least 1')
      .min(1, 'expected a whole number of versions, at least 1')
      .max(100_000, 'expected at most 100000 versions')
      .default(100),
  },
  liveBufferEvents: {
    env: 'MOORING_LIVE_BUFFER_EVENTS',
    flag: '--live-buffer-events',
    description:
      'events a console live stream may fall behind before it gets a fresh snapshot instead (activity: the newest 50 rows and a reset marker)',
    schema: z.coerce
      .number({ error: 'expected a whole number of events, at least 1' })
      .int('expected a whole number of events, at least 1')
      .min(1, 'expected a whole number of events, at least 1')
      .default(1_000),
  },
  liveBufferBytes: {
    env: 'MOORING_LIVE_BUFFER_BYTES',
    flag: '--live-buffer-bytes',
    description:
      'bytes (JSON) of events a console live stream may fall behind before it gets a fresh snapshot instead',
    schema: z.coerce
      .number({ error: 'expected a whole number of bytes, at least 1024' })
      .int('expected a whole number of bytes, at least 1024')
      .min(1024, 'expected a whole number of bytes, at least 1024')
      .default(1024 * 1024),
    defaultText: '1048576 (1 MiB)',
  },
  usersCanCreateGroups: {
    env: 'MOORING_USERS_CAN_CREATE_GROUPS',
    flag: '--users-can-create-groups',
    description:
      'true: every signed-in user may create top-level groups (and becomes their Owner); false: only administrators',
    schema: z
      .enum(['true', 'false'], { error: 'expected true or false' })
      .default('false')
      .transform((value) => value === 'true'),
  },
  consoleAddresses: {
    env: 'MOORING_CONSOLE_ADDRESSES',
    flag: '--console-addresses',
    description:
      'comma-separated IP addresses of console servers: only requests from these may set X-Mooring-Client-Address (the browser address used by the login throttle and audit)',
    schema: addressList.default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
    defaultText: 'loopback',
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
  shutdownGrace: {
    env: 'MOORING_SHUTDOWN_GRACE',
    flag: '--shutdown-grace',
    description:
      'seconds a stopping kas (SIGTERM) gives requests in flight, agent calls and console streams to finish after /readyz turned 503; what is still open then is cut',
    schema: z.coerce
      .number({ error: 'expected a number of seconds between 0 and 3600' })
      .min(0, 'expected a number of seconds between 0 and 3600')
      .max(3600, 'expected a number of seconds between 0 and 3600')
      .default(30),
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
  agentkChartDir: {
    env: 'MOORING_AGENTK_CHART_DIR',
    flag: '--agentk-chart-dir',
    schema: z
      .string()
      .min(1, 'expected a directory path')
      .default(path.join(repoRoot, 'deploy', 'charts', 'agentk'))
      .transform((value) => path.resolve(value)),
    defaultText: 'deploy/charts/agentk',
    description:
      'the agentk Helm chart directory kas serves packed at GET /api/v1/charts/agentk-<version>.tgz (/app/charts/agentk in the kas image)',
  },
  logLevel: {
    env: 'MOORING_LOG_LEVEL',
    flag: '--log-level',
    schema: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
} as const satisfies SettingsTable;

/**
 * kas's settings. Module contributions are in the object too (a module reads them with settingValues); their types
 * are the modules' business.
 */
export type KasConfig = SettingValues<typeof settings>;

/** A bad setting: the message names the variable, the flag and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** kas's table: its own settings, then each module's contribution in list order. */
export function kasSettings(modules: readonly SettingsContribution[] = defaultModules()): SettingsTable {
  return collectSettings([
    { name: 'kas', settings },
    // The shared agent listener (8150) belongs to kas's core; the modules on it contribute their own settings.
    { name: 'agent server', settings: agentServerSettings },
    ...modules,
  ]);
}

/**
 * Reads kas settings, with those the modules contribute, from the environment and `--flags` (flags win), and checks
 * all of them at once. Throws ConfigError listing every problem. Pass the modules startKas will run.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = [],
  modules: readonly SettingsContribution[] = defaultModules(),
): KasConfig {
  const parsed = parseSettings(kasSettings(modules), { env, argv }, 'kas');
  if (!parsed.ok) throw new ConfigError(`invalid kas configuration:\n  ${parsed.problems.join('\n  ')}`);
  const values = parsed.values as KasConfig;
  // Replicas on one database must share the secret: none is generated for them (secret.ts).
  if (values.databaseUrl && !values.secret)
    throw new ConfigError(`invalid kas configuration:\n  ${missingSharedSecret(values.dataDir)}`);
  return values;
}

/** `kas --help`. */
export function kasHelp(modules: readonly SettingsContribution[] = defaultModules()): string {
  return settingsHelp(
    kasSettings(modules),
    'Usage: kas [--flag value]...\nEvery setting comes from its environment variable or its flag (flags win); docs/operate.md explains them.',
  );
}
