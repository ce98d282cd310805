// The agent listener's contribution to kas's settings table: what `kas --help` and docs/operate.md show and what
// loadConfig checks before anything binds. The module itself still reads these variables with its envSchema
// (kas-module.ts) until it reads them from ctx.config; they get flags then. Keep both in step until that change.
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';
import { AGENT_API_DEFAULTS } from './agent-api-server';

const seconds = (what: string) =>
  z.coerce.number({ error: `expected ${what} in seconds` }).positive(`expected ${what} in seconds, above 0`);

const filePath = z.string().min(1, 'expected a file path').optional();

export const agentListenerSettings = {
  agentTls: {
    env: 'MOORING_AGENT_TLS',
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
    schema: filePath,
    description: 'PEM certificate chain the agent listener serves instead (with MOORING_AGENT_TLS_KEY_FILE)',
  },
  agentTlsKeyFile: {
    env: 'MOORING_AGENT_TLS_KEY_FILE',
    schema: filePath,
    description: 'PEM private key of MOORING_AGENT_TLS_CERT_FILE',
  },
  agentStreamLimit: {
    env: 'MOORING_AGENT_STREAM_LIMIT',
    schema: z.coerce
      .number({ error: 'expected a whole number of streams per agent' })
      .int('expected a whole number of streams per agent')
      .min(2, 'expected at least 2 streams per agent (agentk keeps 2 idle)')
      .optional(),
    defaultText: String(AGENT_API_DEFAULTS.streamsPerAgent),
    description:
      'tunnel streams (idle + active) per agent on this kas; over it Connect gets RESOURCE_EXHAUSTED',
  },
  agentMaxConnectionAge: {
    env: 'MOORING_AGENT_MAX_CONNECTION_AGE',
    schema: seconds('the maximum connection age').optional(),
    defaultText: `${AGENT_API_DEFAULTS.maxConnectionAgeMs / 1000} s`,
    description:
      'agent connections age out: GOAWAY at 20 % (±10 % jitter), idle tunnels and config streams end at 30 %',
  },
  agentMaxConnectionAgeGrace: {
    env: 'MOORING_AGENT_MAX_CONNECTION_AGE_GRACE',
    schema: seconds('the grace period for calls in flight').optional(),
    defaultText: '65 % of the age',
    description: 'how long calls in flight may continue after the GOAWAY',
  },
  agentRoutingTimeout: {
    env: 'MOORING_AGENT_ROUTING_TIMEOUT',
    schema: seconds('how long a call waits for a tunnel').optional(),
    defaultText: `${AGENT_API_DEFAULTS.routingTimeoutMs / 1000} s`,
    description: 'how long a call waits for an idle tunnel before AgentNotConnectedError',
  },
} as const satisfies SettingsTable;
