import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, timestamp } from '../views';

const auditView = z.object({
  id,
  actorId: id.nullable(),
  actorName: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()),
  address: z.string().nullable(),
  createdAt: timestamp,
});

export const auditOperations = {
  list: defineOperation({
    name: 'audit.list',
    type: 'query',
    method: 'GET',
    path: '/audit',
    summary:
      'The audit log, newest first (administrators only): changes, sign-ins, failed sign-ins (`session.login_failed`) and refusals (`authorization.denied`); `actor` matches part of the name in any case; page with beforeId',
    input: z.strictObject({
      actor: z.string().max(64).optional(),
      targetType: z.string().max(64).optional(),
      targetId: z.string().max(64).optional(),
      action: z.string().max(128).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      beforeId: id.optional(),
    }),
    output: z.array(auditView),
    async handler(input, ctx) {
      const rows = await ctx.services.audit.list(actorOf(ctx), input);
      return rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
    },
  }),
};
