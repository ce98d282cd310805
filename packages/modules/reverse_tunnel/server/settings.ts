// The reverse tunnel's contribution to kas's settings table (KasModule.settings): `kas --help` and docs/operate.md
// show them and loadConfig checks them with everything else before anything binds.
import { z } from 'zod';
import { seconds } from '../../modserver/index';
import type { SettingsTable } from '../../shared/settings';
import { REVERSE_TUNNEL_DEFAULTS } from './tunnel-service';

export const reverseTunnelSettings = {
  agentStreamLimit: {
    env: 'MOORING_AGENT_STREAM_LIMIT',
    flag: '--agent-stream-limit',
    schema: z.coerce
      .number({ error: 'expected a whole number of streams per agent' })
      .int('expected a whole number of streams per agent')
      .min(2, 'expected at least 2 streams per agent (agentk keeps 2 idle)')
      .optional(),
    defaultText: String(REVERSE_TUNNEL_DEFAULTS.streamsPerAgent),
    description:
      'tunnel streams (idle + active) per agent on this kas; over it Connect gets RESOURCE_EXHAUSTED',
  },
  agentRoutingTimeout: {
    env: 'MOORING_AGENT_ROUTING_TIMEOUT',
    flag: '--agent-routing-timeout',
    schema: seconds('how long a call waits for a tunnel').optional(),
    defaultText: `${REVERSE_TUNNEL_DEFAULTS.routingTimeoutMs / 1000} s`,
    description: 'how long a call waits for an idle tunnel before AgentNotConnectedError',
  },
} as const satisfies SettingsTable;
