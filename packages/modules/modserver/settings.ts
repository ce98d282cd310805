// The agent listener's own settings (TLS, connection age), read from the environment and validated with zod before
// kas binds anything. The modules on the listener read theirs (stream limits, routing timeout) the same way.
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentServerOptions } from './agent-server';
import type { AgentApiTls } from './tls';

export const seconds = (what: string) =>
  z.coerce.number({ error: `expected ${what} in seconds` }).positive(`expected ${what} in seconds, above 0`);

const envSchema = z.object({
  MOORING_AGENT_TLS: z
    .enum(['self-signed', 'insecure'], {
      error: 'expected "self-signed" (default) or "insecure" (plain h2c)',
    })
    .optional(),
  MOORING_AGENT_TLS_CERT_FILE: z.string().min(1).optional(),
  MOORING_AGENT_TLS_KEY_FILE: z.string().min(1).optional(),
  MOORING_AGENT_MAX_CONNECTION_AGE: seconds('the maximum connection age').optional(),
  MOORING_AGENT_MAX_CONNECTION_AGE_GRACE: seconds('the grace period for calls in flight').optional(),
});

/** Parses `env` against `schema`; throws an Error naming every bad variable and what was expected. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid ${what} settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** TLS and connection age of kas's agent listener from MOORING_AGENT_* variables. */
export function agentServerSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): { tls: AgentApiTls; maxConnectionAge: NonNullable<AgentServerOptions['maxConnectionAge']> } {
  const parsed = parseEnv(envSchema, env, 'agent listener');
  if (!!parsed.MOORING_AGENT_TLS_CERT_FILE !== !!parsed.MOORING_AGENT_TLS_KEY_FILE)
    throw new Error('MOORING_AGENT_TLS_CERT_FILE and MOORING_AGENT_TLS_KEY_FILE must be set together');
  const tls: AgentApiTls = parsed.MOORING_AGENT_TLS_CERT_FILE
    ? {
        mode: 'files',
        certFile: parsed.MOORING_AGENT_TLS_CERT_FILE,
        keyFile: parsed.MOORING_AGENT_TLS_KEY_FILE!,
      }
    : parsed.MOORING_AGENT_TLS === 'insecure'
      ? { mode: 'insecure' }
      : { mode: 'self-signed', dir: join(dataDir, 'tls', 'agent-api') };
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  return {
    tls,
    maxConnectionAge: {
      ageMs: ms(parsed.MOORING_AGENT_MAX_CONNECTION_AGE),
      graceMs: ms(parsed.MOORING_AGENT_MAX_CONNECTION_AGE_GRACE),
    },
  };
}
