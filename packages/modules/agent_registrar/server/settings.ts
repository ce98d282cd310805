// agent_registrar's contribution to kas's settings table (KasModule.settings).
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';

export const agentRegistrarSettings = {
  agentMaxPods: {
    env: 'MOORING_AGENT_MAX_PODS',
    flag: '--agent-max-pods',
    description:
      'agentk pods one agent may have registered on this kas; Register and GetConfiguration of one more are refused (RESOURCE_EXHAUSTED)',
    schema: z.coerce
      .number({ error: 'expected a whole number of pods per agent' })
      .int('expected a whole number of pods per agent')
      .min(1, 'expected at least 1 pod per agent')
      .default(100),
  },
} as const satisfies SettingsTable;
