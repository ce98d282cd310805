// Live updates for the console, as tRPC subscriptions over SSE (tRPC only: REST clients poll).
// Each yields `tracked(id, data)` so a reconnecting client resumes after its lastEventId.
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { actorOf } from '../api/actor';
import { toApiError } from '../api/errors';
import { authorizeCall } from '../api/pipeline';
import { id } from '../api/views';
import { authenticatedContextOf } from './context';
import { eventStream, untilEither } from './event-stream';
import { t, toTrpcError } from './init';

/** Authentication and PAT scope as for a query; subscriptions change nothing, so no CSRF. */
const subscriptionProcedure = (name: string) =>
  t.procedure.use(async ({ ctx, next }) => {
    try {
      if (ctx.state.authError) throw ctx.state.authError;
      authorizeCall(
        { name, type: 'query', access: 'authenticated' } as never,
        ctx.state.principal,
        undefined,
      );
    } catch (err) {
      throw toTrpcError(toApiError(err));
    }
    return next();
  });

export const agentConfigSubscriptions = {
  /**
   * The live configuration version of an agent: the current one first, then each new one as soon
   * as it is saved. Event id = version, so a reconnect after version N only sees newer ones.
   */
  onChanged: subscriptionProcedure('agentConfigs.onChanged')
    .input(z.strictObject({ agentId: id, lastEventId: z.string().nullish() }))
    .subscription(async function* ({ input, ctx, signal }) {
      const handler = authenticatedContextOf(ctx);
      const stop = untilEither(signal, ctx.shutdown);
      const after = Number(input.lastEventId ?? 0) || 0;
      // Subscribe before reading the current version so a save in between is not missed.
      const changes = eventStream<{ agentId: number; version: number }>(
        (push) => ctx.services.agentConfigs.onChanged((e) => e.agentId === input.agentId && push(e)),
        stop,
      );
      try {
        const live = await ctx.services.agentConfigs.getLive(actorOf(handler), input.agentId);
        let last = after;
        if (live && live.version > last) {
          last = live.version;
          yield tracked(String(live.version), { agentId: input.agentId, version: live.version });
        }
        for await (const change of changes) {
          if (change.version <= last) continue;
          last = change.version;
          yield tracked(String(change.version), { agentId: input.agentId, version: change.version });
        }
      } catch (err) {
        throw toTrpcError(toApiError(err));
      } finally {
        await changes.return(undefined);
      }
    }),
};
