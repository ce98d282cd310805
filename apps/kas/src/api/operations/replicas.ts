// The console's admin list of kas replicas: each with its private API address, its readiness as its own /readyz
// says, the agents and tunnels it holds and when it last reported. The answering replica reads its own state; the
// others' come from what they write next to their address in Redis (kas_routing, replica-status.ts).
import {
  KAS_REPLICAS,
  MAX_LISTED_REPLICAS,
  type ReplicaDirectory,
} from '@mooring/modules/kas_routing/server/index';
import { z } from 'zod';
import { ForbiddenError } from '../../services/errors';
import { ApiError } from '../errors';
import { defineOperation } from '../operation';
import { isoOrNull, timestamp } from '../views';

const replicaView = z.object({
  name: z
    .string()
    .describe('the replica’s name: its host and agent port, as connections’ kasReplica shows it'),
  self: z.boolean().describe('the replica that answered this request'),
  privateApiUrl: z
    .string()
    .nullable()
    .describe('where the other replicas reach its private API; null without REDIS_URL (it routes nothing)'),
  state: z
    .enum(['ready', 'not_ready', 'not_reporting'])
    .describe('its /readyz answer, or not_reporting: it has not written its status for 15 s'),
  reason: z.string().nullable().describe('why it is not ready or not reporting; null when ready'),
  readiness: z.array(z.string()).describe('its /readyz lines as it last reported them'),
  agents: z.number().int().describe('agents with at least one tunnel on it'),
  tunnels: z.number().int().describe('tunnel streams (idle and busy) agents hold open to it'),
  lastSeenAt: timestamp.nullable().describe('when it last reported (the answering replica: now)'),
});

export const replicaOperations = {
  list: defineOperation({
    name: 'replicas.list',
    type: 'query',
    method: 'GET',
    path: '/replicas',
    summary: `The kas replicas (administrators only): readiness, agents and tunnels held, last report; the answering one first, at most ${MAX_LISTED_REPLICAS}`,
    input: z.strictObject({}),
    output: z.object({
      shared: z
        .boolean()
        .describe('REDIS_URL is set, so replicas see each other; false: this kas runs alone'),
      replicas: z.array(replicaView),
      total: z.number().int().describe('how many replicas there are; more than listed when over the limit'),
      limit: z.number().int(),
      problem: z
        .string()
        .nullable()
        .describe('why only this replica is listed (Redis unreachable), naming what to check'),
    }),
    async handler(_input, ctx) {
      if (!ctx.user.isAdmin)
        throw new ForbiddenError('the list of kas replicas needs an administrator account');
      const directory = ctx.kas.provided?.<ReplicaDirectory>(KAS_REPLICAS);
      if (!directory)
        throw new ApiError(
          503,
          'unavailable',
          'this kas runs without its kas_routing module, so it cannot list the replicas; start kas with its default modules',
        );
      const listing = await directory.list();
      return {
        ...listing,
        replicas: listing.replicas.map((r) => ({ ...r, lastSeenAt: isoOrNull(r.lastSeenAt) })),
      };
    },
  }),
};
