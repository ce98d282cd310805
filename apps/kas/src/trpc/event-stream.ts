// The eager, bounded subscribe primitive every tRPC subscription reads its events through (from-subscriptions.ts
// opens them for a subscription's handler).
//
// - Eager: the subscription to the source exists when openEventStream returns, before the caller reads its
//   snapshot, so a change between the snapshot and the first pull is queued, not lost.
// - Bounded: a consumer that falls `maxEvents` events or `maxBytes` bytes behind loses its queue and pulls one
//   BEHIND marker instead; it answers with a fresh snapshot (live states, or the newest activity rows and a reset
//   marker). Memory per stream never exceeds the limits, however slow the client.
// - Endable: `end(error)` makes the next pull throw (the viewer lost the right to see this stream).

/** Pulled instead of the events a consumer fell too far behind to receive: send a fresh snapshot. */
export const BEHIND: unique symbol = Symbol('behind');
export type Behind = typeof BEHIND;

export interface StreamLimits {
  /** Pending events before the consumer is "behind" (kas setting liveBufferEvents). */
  maxEvents: number;
  /** Pending bytes (JSON) before the consumer is "behind" (kas setting liveBufferBytes). */
  maxBytes: number;
}

export const defaultStreamLimits: StreamLimits = { maxEvents: 1_000, maxBytes: 1024 * 1024 };

/** Name under which kas provides its StreamLimits to the console API (kas.ts). */
export const STREAM_LIMITS = 'streamLimits';

export interface EventStream<E> extends AsyncIterableIterator<E | Behind> {
  /** Ends the stream: with an error, the next pull throws it and queued events are dropped. */
  end(error?: unknown): void;
  /** Unsubscribes and ends the stream (a consumer that stops iterating calls it). */
  return(): Promise<IteratorResult<E | Behind, undefined>>;
  /** Events waiting to be pulled. */
  readonly pending: number;
}

export type Subscribe<E> = (push: (event: E) => void) => () => void;

// One event object is queued by every stream subscribed to its source: measure it once.
const measured = new WeakMap<object, number>();
function jsonBytes(event: unknown): number {
  if (typeof event !== 'object' || event === null) return Buffer.byteLength(JSON.stringify(event) ?? '');
  let size = measured.get(event);
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(event) ?? '');
    measured.set(event, size);
  }
  return size;
}

class BoundedEventStream<E> implements EventStream<E> {
  private queue: ({ event: E; bytes: number } | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  private behind = false;
  private done = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly onAbort = () => this.finish();

  constructor(
    subscribe: Subscribe<E>,
    private readonly signal: AbortSignal,
    private readonly limits: StreamLimits,
    private readonly sizeOf: (event: E) => number,
  ) {
    this.unsubscribe = subscribe((event) => this.push(event));
    if (signal.aborted) this.finish();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  private push(event: E): void {
    if (this.done || this.failure || this.behind) return;
    const bytes = this.sizeOf(event);
    if (this.pending + 1 > this.limits.maxEvents || this.bytes + bytes > this.limits.maxBytes) {
      // Too far behind: forget the queue; the consumer re-reads a snapshot when it pulls BEHIND.
      this.clear();
      this.behind = true;
    } else {
      this.queue.push({ event, bytes });
      this.bytes += bytes;
    }
    this.wake?.();
  }

  private clear(): void {
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.clear();
    this.unsubscribe();
    this.signal.removeEventListener('abort', this.onAbort);
    this.wake?.();
  }

  end(error?: unknown): void {
    if (error !== undefined && !this.done && !this.failure) this.failure = { error };
    this.finish();
  }

  async next(): Promise<IteratorResult<E | Behind, undefined>> {
    for (;;) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = undefined;
        throw error;
      }
      if (this.done) return { done: true, value: undefined };
      if (this.behind) {
        // Events from now on are queued again, so the snapshot the consumer reads next misses nothing.
        this.behind = false;
        return { done: false, value: BEHIND };
      }
      if (this.head < this.queue.length) {
        const item = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        this.bytes -= item.bytes;
        if (this.head === this.queue.length) this.clear();
        else if (this.head >= 1_024) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        return { done: false, value: item.event };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async return(): Promise<IteratorResult<E | Behind, undefined>> {
    this.finish();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Subscribes now and returns the stream of what `subscribe` pushes from here on, until `signal` aborts,
 * `end` is called or the consumer stops iterating (which unsubscribes).
 */
export function openEventStream<E>(
  subscribe: Subscribe<E>,
  options: { signal: AbortSignal; limits?: StreamLimits; sizeOf?: (event: E) => number },
): EventStream<E> {
  return new BoundedEventStream(
    subscribe,
    options.signal,
    options.limits ?? defaultStreamLimits,
    options.sizeOf ?? jsonBytes,
  );
}

/** Aborts when any of the signals does: the client went away, or kas is shutting down. */
export function untilEither(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
