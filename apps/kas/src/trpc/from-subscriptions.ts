// Subscriptions (api/operation.ts's defineSubscription) as tRPC subscription procedures over SSE.
//
// Each goes through the operations' authorization (callerAuthorization: authentication, PAT scope as for a
// query), then its own `authorize` (404/403 for what the viewer may not watch). While the stream is open, every
// services.events.accessChanged naming the viewer (or everyone) re-authenticates the request's credential and
// runs `authorize` again: a failure ends the stream with that error, a success updates the handler's `grant()`
// (e.g. drops an agent the viewer no longer sees). Events are yielded as `tracked(id, data)` so a reconnecting
// client resumes after its lastEventId.
import { tracked, type TRPCSubscriptionProcedure } from '@trpc/server';
import { z } from 'zod';
import { toApiError, unauthenticated } from '../api/errors';
import type {
  AnySubscription,
  Principal,
  Subscription,
  SubscriptionAuthContext,
  SubscriptionGroup,
} from '../api/operation';
import { authorizeCall, contextUser } from '../api/pipeline';
import { createAuthenticate } from '../api/services-adapter';
import { authenticatedContextOf } from './context';
import {
  defaultStreamLimits,
  openEventStream,
  STREAM_LIMITS,
  untilEither,
  type EventStream,
} from './event-stream';
import { callerAuthorization } from './from-operations';
import { t, toTrpcError, type TrpcContext } from './init';

type ClientInput<I extends z.ZodObject> =
  Record<never, never> extends z.input<I> ? z.input<I> | undefined : z.input<I>;

/** What the client sees of a `tracked(id, data)` event. */
interface TrackedData<T> {
  id: string;
  data: T;
}

type ProcedureFor<S> =
  S extends Subscription<infer I, infer O>
    ? TRPCSubscriptionProcedure<{
        meta: object;
        input: ClientInput<I>;
        output: AsyncIterable<TrackedData<z.output<O>>, void, unknown>;
      }>
    : never;

export type SubscriptionProcedureRecordFor<G extends SubscriptionGroup> = {
  [K in keyof G]: ProcedureFor<G[K]>;
};

/** The credential the stream was opened with, checked again now (a revoked token or ended session fails). */
async function reauthenticate(ctx: TrpcContext, userId: number): Promise<Principal> {
  const principal = await createAuthenticate(ctx.services)(ctx.req);
  if (principal.kind === 'anonymous' || principal.user.id !== userId)
    throw unauthenticated(
      'your session ended or the token this stream was opened with is no longer valid; sign in again and reload the page',
    );
  return principal;
}

async function* runSubscription(
  subscription: AnySubscription,
  input: z.output<z.ZodObject>,
  ctx: TrpcContext,
  clientGone: AbortSignal | undefined,
) {
  const limits = ctx.provided.get<typeof defaultStreamLimits>(STREAM_LIMITS) ?? defaultStreamLimits;
  const ended = new AbortController();
  const signal = untilEither(clientGone, ctx.shutdown, ended.signal);
  const streams = new Set<EventStream<unknown>>();
  let authContext: SubscriptionAuthContext = { ...authenticatedContextOf(ctx), provided: ctx.provided };
  const userId = authContext.user.id;
  let endedWith: unknown;
  const end = (error: unknown) => {
    endedWith ??= toTrpcError(toApiError(error));
    for (const stream of streams) stream.end(endedWith);
    ended.abort();
  };

  let grant: unknown;
  let checking = false;
  let again = false;
  const reauthorize = async () => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        const principal = await reauthenticate(ctx, userId);
        authorizeCall(subscription, principal, undefined);
        authContext = {
          ...authContext,
          principal,
          user: contextUser(principal) as SubscriptionAuthContext['user'],
        };
        grant = await subscription.authorize(input, authContext);
      } while (again && !signal.aborted);
    } catch (err) {
      end(err);
    } finally {
      checking = false;
    }
  };
  // Listening before the first authorize, so a change of rights while it runs is not missed.
  const stopListening = ctx.services.events.accessChanged.subscribe((e) => {
    if (signal.aborted) return;
    if (e.userIds === 'everyone' || e.userIds.includes(userId)) void reauthorize();
  });
  try {
    grant = await subscription.authorize(input, authContext);
    const events = subscription.handler(input, {
      ...authContext,
      signal,
      grant: () => grant,
      events: (subscribe) => {
        const stream = openEventStream(subscribe, { signal, limits });
        if (endedWith) stream.end(endedWith);
        streams.add(stream as EventStream<unknown>);
        return stream;
      },
    });
    for await (const event of events) {
      if (endedWith) break;
      yield tracked(event.id, event.data);
    }
    if (endedWith) throw endedWith;
  } catch (err) {
    throw endedWith ?? toTrpcError(toApiError(err));
  } finally {
    stopListening();
    for (const stream of streams) stream.end();
  }
}

function toSubscriptionProcedure(subscription: AnySubscription) {
  return t.procedure
    .use(callerAuthorization(subscription))
    .input(z.preprocess((value) => value ?? {}, subscription.input))
    .subscription(({ input, ctx, signal }) =>
      runSubscription(subscription, input as z.output<z.ZodObject>, ctx, signal),
    );
}

/** The tRPC subscription procedures of one domain, typed from their zod schemas. */
export function subscriptionProceduresFor<G extends SubscriptionGroup>(
  group: G,
): SubscriptionProcedureRecordFor<G> {
  const record: Record<string, unknown> = {};
  for (const [key, subscription] of Object.entries(group))
    record[key] = toSubscriptionProcedure(subscription);
  return record as SubscriptionProcedureRecordFor<G>;
}
