// A single-consumer async queue: producers push, one `for await` consumer pulls; end() or fail() finishes it.
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private ended = false;
  private error: unknown = null;
  private iterated = false;

  /** Called after the consumer takes an item, so a producer that paused can resume. */
  onDrain: (() => void) | null = null;
  /** Called when the consumer stops reading early (break out of `for await`). */
  onAbandon: (() => void) | null = null;

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

  end(): void {
    if (this.done) return;
    this.ended = true;
    if (this.waiting && this.items.length === 0) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.error = error ?? new Error('queue failed');
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(this.error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('this stream of messages can be read only once');
    this.iterated = true;
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) {
          this.onDrain?.();
          return Promise.resolve({ value: item, done: false });
        }
        if (this.error !== null) return Promise.reject(this.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        this.onDrain?.();
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
      return: () => {
        const abandoned = !this.done;
        this.ended = true;
        this.items.length = 0;
        if (abandoned) this.onAbandon?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
