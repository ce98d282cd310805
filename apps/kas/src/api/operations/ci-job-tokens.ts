import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, timestamp } from '../views';

export const ciJobTokenOperations = {
  mint: defineOperation({
    name: 'ciJobTokens.mint',
    type: 'mutation',
    method: 'POST',
    path: '/projects/:projectId/ci_job_tokens',
    successStatus: 201,
    summary:
      'Mint a CI job token for one job (Maintainer; a CI integration uses a PAT with scope api). The proxy accepts it as Bearer ci:<agent_id>:<token>',
    input: z.strictObject({
      projectId: id,
      jobId: z.string(),
      environment: z.string().optional(),
      environmentTier: z.enum(['production', 'staging', 'testing', 'development', 'other']).optional(),
      ttlSeconds: z.number().int().optional(),
    }),
    output: z.object({
      id,
      secret: z.string().describe('mcj-…; shown only in this answer'),
      expiresAt: timestamp,
    }),
    async handler(input, ctx) {
      const minted = await ctx.services.ciJobTokens.mint(actorOf(ctx), input);
      return { id: minted.id, secret: minted.token, expiresAt: iso(minted.expiresAt) };
    },
  }),
};
