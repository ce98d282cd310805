import { z } from 'zod';
import { kasVersion } from '../../version';
import { defineOperation } from '../operation';

export const metaOperations = {
  version: defineOperation({
    name: 'meta.version',
    type: 'query',
    access: 'public',
    method: 'GET',
    path: '/version',
    summary: 'kas version (no authentication)',
    input: z.strictObject({}),
    output: z.object({
      kasVersion: z.string(),
      apiVersion: z.literal('v1'),
      agentAddress: z
        .string()
        .optional()
        .describe('address agentk dials (MOORING_KAS_URL or the agent listener)'),
    }),
    async handler(_input, ctx) {
      const agentAddress = ctx.kas.agentAddress();
      return { kasVersion, apiVersion: 'v1' as const, ...(agentAddress ? { agentAddress } : {}) };
    },
  }),
};
