import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, timestamp } from '../views';

const activityView = z.object({
  id,
  agentId: id,
  kind: z
    .string()
    .describe(
      'token_created, token_revoked, agent_connected, agent_disconnected, config_applied, config_rejected, …',
    ),
  actorId: id.nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: timestamp,
});

export const activityOperations = {
  list: defineOperation({
    name: 'activity.list',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/activity',
    summary: 'An agent’s activity feed, newest first (the newest 200 are kept); page with beforeId',
    input: z.strictObject({
      agentId: id,
      limit: z.number().int().min(1).max(200).optional(),
      beforeId: id.optional(),
    }),
    output: z.array(activityView),
    async handler({ agentId, ...opts }, ctx) {
      const rows = await ctx.services.agentActivity.list(actorOf(ctx), agentId, opts);
      return rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
    },
  }),
};
