// Turning callback subscriptions into the async iterables tRPC subscriptions yield from.

/** Buffers events from a callback subscription into an async iterator that ends when `signal` aborts. */
export async function* eventStream<E>(
  subscribe: (push: (event: E) => void) => () => void,
  signal: AbortSignal,
): AsyncGenerator<E> {
  const queue: E[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = subscribe((event) => {
    queue.push(event);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

/** Aborts when any of the signals does: the client went away, or kas is shutting down. */
export function untilEither(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
