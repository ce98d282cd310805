// Subscriptions of the operations' domains (tRPC only: REST clients poll). The live module's are in
// live/live-subscriptions.ts; router.ts's allSubscriptions lists every one.
import { z } from 'zod';
import { actorOf } from '../api/actor';
import { defineSubscription } from '../api/operation';
import { id } from '../api/views';
import { BEHIND } from './event-stream';

const configVersion = z.object({ agentId: id, version: z.number().int().positive() });

export const agentConfigSubscriptions = {
  /**
   * The live configuration version of an agent: the current one first, then each new one as soon as it is saved.
   * Event id = version, so a reconnect after version N only sees newer ones.
   */
  onChanged: defineSubscription({
    name: 'agentConfigs.onChanged',
    summary: "The agent's live configuration version, then each new one as it is saved",
    input: z.strictObject({ agentId: id, lastEventId: z.string().nullish() }),
    output: configVersion,
    async authorize(input, ctx) {
      await ctx.services.policy.authorize(actorOf(ctx), 'agent:read_config', {
        type: 'agent',
        id: input.agentId,
      });
    },
    async *handler(input, ctx) {
      const changes = ctx.events<{ agentId: number; version: number }>((push) =>
        ctx.services.agentConfigs.onChanged((e) => e.agentId === input.agentId && push(e)),
      );
      let last = Number(input.lastEventId ?? 0) || 0;
      const current = async () =>
        (await ctx.services.agentConfigs.getLive(actorOf(ctx), input.agentId))?.version;
      for (let version = await current(); ;) {
        if (version !== undefined && version > last) {
          last = version;
          yield { id: String(version), data: { agentId: input.agentId, version } };
        }
        const next = await changes.next();
        if (next.done) return;
        // Too far behind: the newest live version is all that matters.
        version = next.value === BEHIND ? await current() : next.value.version;
      }
    },
  }),
};
