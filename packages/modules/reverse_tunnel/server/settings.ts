// The reverse tunnel's contribution to kas's settings table (KasModule.settings): `kas --help` and docs/operate.md
// show them and loadConfig checks them with everything else before anything binds.
import { z } from 'zod';
import { seconds } from '../../modserver/index';
import type { SettingsTable } from '../../shared/settings';
import { REDIS_TUNNEL_TRACKER_DEFAULTS } from './redis-tunnel-tracker';
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
  tunnelTrackerTtl: {
    env: 'MOORING_TUNNEL_TRACKER_TTL',
    flag: '--tunnel-tracker-ttl',
    schema: seconds('how long a replica stays in the tunnel tracker without refreshing').optional(),
    defaultText: `${REDIS_TUNNEL_TRACKER_DEFAULTS.ttlMs / 1000} s`,
    description:
      'with REDIS_URL: a replica that stops refreshing its tunnel tracker entries (every third of this) drops out of them after this long',
  },
} as const satisfies SettingsTable;
