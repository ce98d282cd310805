// The shared agent listener's own settings (TLS, connection age): part of kas's settings table (apps/kas/src/config.ts
// collects them), so they are validated with everything else before anything binds. The modules on the listener
// contribute theirs (stream limits, routing timeout, pods per agent) through KasModule.settings.
import { join } from 'node:path';
import { z } from 'zod';
import type { SettingsTable, SettingValues } from '../shared/settings';
import { AGENT_SERVER_DEFAULTS, type AgentServerOptions } from './agent-server';
import type { AgentApiTls } from './tls';

export const seconds = (what: string) =>
  z.coerce.number({ error: `expected ${what} in seconds` }).positive(`expected ${what} in seconds, above 0`);

const filePath = z.string().min(1, 'expected a file path').optional();

export const agentServerSettings = {
  agentTls: {
    env: 'MOORING_AGENT_TLS',
    flag: '--agent-tls',
    schema: z
      .enum(['self-signed', 'insecure'], {
        error: 'expected "self-signed" (default) or "insecure" (plain h2c)',
      })
      .optional(),
    defaultText: 'self-signed',
    description:
      'self-signed: a CA and server certificate made on first start in <data dir>/tls/agent-api/ and reused; insecure: plain h2c',
  },
  agentTlsCertFile: {
    env: 'MOORING_AGENT_TLS_CERT_FILE',
    flag: '--agent-tls-cert-file',
    schema: filePath,
    description: 'PEM certificate chain the agent listener serves instead (with MOORING_AGENT_TLS_KEY_FILE)',
  },
  agentTlsKeyFile: {
    env: 'MOORING_AGENT_TLS_KEY_FILE',
    flag: '--agent-tls-key-file',
    schema: filePath,
    description: 'PEM private key of MOORING_AGENT_TLS_CERT_FILE',
  },
  agentMaxConnectionAge: {
    env: 'MOORING_AGENT_MAX_CONNECTION_AGE',
    flag: '--agent-max-connection-age',
    schema: seconds('the maximum connection age').optional(),
    defaultText: `${AGENT_SERVER_DEFAULTS.maxConnectionAgeMs / 1000} s`,
    description:
      'agent connections age out: GOAWAY at 20 % (±10 % jitter), idle tunnels and config streams end at 30 %',
  },
  agentMaxConnectionAgeGrace: {
    env: 'MOORING_AGENT_MAX_CONNECTION_AGE_GRACE',
    flag: '--agent-max-connection-age-grace',
    schema: seconds('the grace period for calls in flight').optional(),
    defaultText: '65 % of the age',
    description: 'how long calls in flight may continue after the GOAWAY',
  },
} as const satisfies SettingsTable;

/** The agent listener's TLS and connection age from its parsed settings; throws naming the fix when they clash. */
export function agentServerOptions(
  values: SettingValues<typeof agentServerSettings>,
  dataDir: string,
): { tls: AgentApiTls; maxConnectionAge: NonNullable<AgentServerOptions['maxConnectionAge']> } {
  if (!!values.agentTlsCertFile !== !!values.agentTlsKeyFile)
    throw new Error(
      'MOORING_AGENT_TLS_CERT_FILE and MOORING_AGENT_TLS_KEY_FILE must be set together: set both, or neither for a self-signed certificate',
    );
  const tls: AgentApiTls = values.agentTlsCertFile
    ? { mode: 'files', certFile: values.agentTlsCertFile, keyFile: values.agentTlsKeyFile! }
    : values.agentTls === 'insecure'
      ? { mode: 'insecure' }
      : { mode: 'self-signed', dir: join(dataDir, 'tls', 'agent-api') };
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  return {
    tls,
    maxConnectionAge: {
      ageMs: ms(values.agentMaxConnectionAge),
      graceMs: ms(values.agentMaxConnectionAgeGrace),
    },
  };
}
