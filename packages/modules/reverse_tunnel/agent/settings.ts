// The reverse tunnel's contribution to agentk's flags (apps/agentk/src/modules.ts collects it): `agentk --help` and
// docs/agentk.md show it, and agentk parses it with everything else before anything connects.
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';

export const reverseTunnelAgentSettings = {
  maxStreams: {
    flag: '--max-streams',
    schema: z.coerce
      .number({ error: 'expected a whole number 2-10000' })
      .int('expected a whole number 2-10000')
      .min(2, 'expected at least 2 (the pool keeps 2 idle tunnels)')
      .max(10_000, 'expected at most 10000')
      .default(500),
    description:
      'most tunnel streams (idle + active) this pod keeps open; kas may enforce a lower per-agent cap',
  },
} as const satisfies SettingsTable;
