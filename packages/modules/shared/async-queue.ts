// The one async queue: producers push, one `for await` consumer pulls; end() or fail() finishes it. Items queued
// before a failure are still delivered. Producers that must not run ahead await pushWithBackpressure(), or set
// onDrain to resume a paused source (a gRPC stream, a socket).
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  private error: unknown = null;
  private iterated = false;

  /** Called after the consumer takes an item, so a producer that paused can resume. */
  onDrain: (() => void) | null = null;
  /** Called when the consumer stops reading early (break out of `for await`). */
  onAbandon: (() => void) | null = null;

  /** @param highWaterMark how many items pushWithBackpressure() lets wait before it waits itself. */
  constructor(private readonly highWaterMark = 16) {}

  get size(): number {
    return this.items.length;
  }

  get done(): boolean {
    return this.ended || this.error !== null;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** Pushes, then resolves once the queue is at or below its high-water mark (or finished). */
  async pushWithBackpressure(item: T): Promise<void> {
    this.push(item);
    while (this.items.length > this.highWaterMark && !this.done) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  end(): void {
    if (this.done) return;
    this.ended = true;
    this.wakeProducers();
    if (this.waiting && this.items.length === 0) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = error ?? new Error('queue failed');
    this.wakeProducers();
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(this.error);
    }
  }

  private drained(): void {
    if (this.items.length <= this.highWaterMark) this.wakeProducers();
    this.onDrain?.();
  }

  private wakeProducers(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('this stream of messages can be read only once');
    this.iterated = true;
    return {
      next: () => {
        if (this.items.length > 0) {
          const item = this.items.shift() as T;
          this.drained();
          return Promise.resolve({ value: item, done: false });
        }
        if (this.error !== null) return Promise.reject(this.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        this.drained();
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
      return: () => {
        const abandoned = !this.done;
        this.ended = true;
        this.items.length = 0;
        this.wakeProducers();
        if (abandoned) this.onAbandon?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
