// agent_configuration's contribution to kas's settings table (KasModule.settings).
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';

export const agentConfigurationSettings = {
  agentConfigStreamsPerPod: {
    env: 'MOORING_AGENT_CONFIG_STREAMS_PER_POD',
    flag: '--agent-config-streams-per-pod',
    description:
      'configuration streams one agentk pod may hold open (agentk opens one); more are refused (RESOURCE_EXHAUSTED)',
    schema: z.coerce
      .number({ error: 'expected a whole number of streams per pod' })
      .int('expected a whole number of streams per pod')
      .min(1, 'expected at least 1 stream per pod')
      .default(2),
  },
} as const satisfies SettingsTable;
