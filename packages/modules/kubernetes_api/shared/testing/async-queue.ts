// A small async queue for in-process test plumbing: push/end/fail on one side, `for await` on the other.
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private ended = false;
  private error: unknown = undefined;

  constructor(private readonly highWaterMark = 16) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  /** Resolves once the queue is below its high-water mark (a consumer is keeping up). */
  async pushWithBackpressure(item: T): Promise<void> {
    this.push(item);
    while (this.items.length > this.highWaterMark && !this.ended) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Items already queued are still delivered; then iteration throws `error`. */
  fail(error: unknown): void {
    this.error = error;
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    const drains = this.drainWaiters;
    this.drainWaiters = [];
    for (const d of drains) d();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length) {
        const item = this.items.shift() as T;
        if (this.items.length <= this.highWaterMark) {
          const drains = this.drainWaiters;
          this.drainWaiters = [];
          for (const d of drains) d();
        }
        yield item;
        continue;
      }
      if (this.error !== undefined) throw this.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
