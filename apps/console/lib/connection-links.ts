// tRPC links between the console's pages and kas that watch every call: an UNAUTHORIZED answer (session ended,
// logged out in another tab, user disabled) sends the page to login and back; a call without an answer from kas
// tells the connection monitor; a live stream cut by an outage resubscribes (after its last event) once kas
// answers again.
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AnyRouter } from '@trpc/server';
import { Backoff } from '@mooring/modules/shared/backoff';

import { connection } from './connection';
import { isConnectionLoss, isUnauthorized, redirectToLogin } from './errors';

/** Every call: login on UNAUTHORIZED, the monitor on a lost connection, "reached" on any answer from kas. */
export function watchConnectionLink<R extends AnyRouter>(): TRPCLink<R> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const inner = next(op).subscribe({
          next(envelope) {
            const result = envelope.result as { type?: string; state?: string; error?: unknown };
            if (result.type === undefined || result.type === 'data' || result.state === 'pending')
              connection.reached();
            // The browser's EventSource lost its stream and is reconnecting on its own.
            else if (result.state === 'connecting' && result.error) connection.lost();
            observer.next(envelope);
          },
          error(error) {
            if (isUnauthorized(error)) redirectToLogin();
            else if (isConnectionLoss(error) && !op.signal?.aborted) {
              if (typeof error.data?.httpStatus === 'number') connection.consoleAnswered();
              connection.lost();
            } else if (error instanceof TRPCClientError) connection.reached();
            observer.error(error);
          },
          complete() {
            observer.complete();
          },
        });
        return () => inner.unsubscribe();
      });
}

function withLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (!lastEventId) return input;
  return { ...(input && typeof input === 'object' ? input : {}), lastEventId };
}

/**
 * Subscriptions outlive outages: a stream that failed without an answer from kas waits for the monitor to see kas
 * again and opens again after its last event id. A stream that was open and broke is retried even when kas
 * answered at once (a restart), paced by the shared Backoff; one that never opened while kas answers fails.
 */
export function resubscribeLink<R extends AnyRouter>(): TRPCLink<R> {
  return () =>
    ({ op, next }) => {
      if (op.type !== 'subscription') return next(op);
      return observable((observer) => {
        const backoff = new Backoff();
        let lastEventId: string | undefined;
        let inner: Unsubscribable | null = null;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let disposed = false;
        const attempt = () => {
          if (disposed) return;
          let opened = false;
          inner = next({ ...op, input: withLastEventId(op.input, lastEventId) }).subscribe({
            next(envelope) {
              const result = envelope.result as { type?: string; id?: string };
              if (result.type === 'started') opened = true;
              if ((result.type === undefined || result.type === 'data') && result.id) lastEventId = result.id;
              observer.next(envelope);
            },
            error(error) {
              if (disposed) return;
              if (!isConnectionLoss(error)) return observer.error(error);
              void connection.whenAnswered().then((hadOutage) => {
                if (disposed) return;
                if (hadOutage) attempt();
                else if (opened) timer = setTimeout(attempt, backoff.nextDelayMs());
                else observer.error(error);
              });
            },
            complete() {
              observer.complete();
            },
          });
        };
        attempt();
        return () => {
          disposed = true;
          clearTimeout(timer);
          inner?.unsubscribe();
        };
      });
    };
}
