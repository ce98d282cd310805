// The lines a logs page keeps: at most `capacity`, the oldest dropped first (the page says how many). Every line
// has a sequence number that never changes (nor is reused), so search matches and the scroll position survive drops.

export const DEFAULT_RING_CAPACITY = 50_000;

export class LogRing<T> {
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private size = 0;
  private firstSeq = 0;
  private droppedCount = 0;

  constructor(readonly capacity = DEFAULT_RING_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`ring capacity must be ≥ 1, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** How many lines were dropped to stay within capacity since the last clear. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The sequence number of the oldest line kept (the index of `at(0)`). */
  get first(): number {
    return this.firstSeq;
  }

  /** One past the newest line's sequence number. */
  get end(): number {
    return this.firstSeq + this.size;
  }

  push(item: T): void {
    if (this.size < this.capacity) {
      this.items[(this.head + this.size) % this.capacity] = item;
      this.size++;
      return;
    }
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    this.firstSeq++;
    this.droppedCount++;
  }

  /** The i-th kept line, oldest first. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.items[(this.head + index) % this.capacity];
  }

  /** The line of a sequence number, if it is still kept. */
  bySeq(seq: number): T | undefined {
    return this.at(seq - this.firstSeq);
  }

  toArray(): T[] {
    return Array.from({ length: this.size }, (_, i) => this.at(i)!);
  }

  /** Forgets every line; sequence numbers go on from where they were (nothing old is mistaken for new). */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.firstSeq += this.size;
    this.size = 0;
    this.droppedCount = 0;
  }
}
