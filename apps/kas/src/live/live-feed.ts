// The change feed behind live.onAgents and live.onActivity: at most one event per key per interval (the newest state
// wins; activity uses 0, every row), each with a sequential id, and a ring of recent events so a reconnecting client
// resumes after its last event id. Subscribers read it through trpc/event-stream.ts's bounded streams.

export interface FeedEvent<T> {
  id: number;
  key: number;
  value: T;
}

export interface LiveFeedOptions {
  minIntervalMs?: number;
  /** Events kept for resuming; older last-event ids get a fresh snapshot instead. */
  keep?: number;
  now?: () => number;
}

export class LiveFeed<T> {
  private seq = 0;
  private readonly ring: FeedEvent<T>[] = [];
  private readonly lastSent = new Map<number, number>();
  private readonly pending = new Map<number, { value: T; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Set<(event: FeedEvent<T>) => void>();
  private readonly minIntervalMs: number;
  private readonly keep: number;
  private readonly now: () => number;

  constructor(options: LiveFeedOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.keep = options.keep ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /** A new state for `key`; sent now, or at the end of the key's 1 s window with whatever is newest then. */
  publish(key: number, value: T): void {
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.value = value;
      return;
    }
    const since = this.now() - (this.lastSent.get(key) ?? -Infinity);
    if (since >= this.minIntervalMs) {
      this.emit(key, value);
      return;
    }
    const timer = setTimeout(() => {
      const latest = this.pending.get(key);
      this.pending.delete(key);
      if (latest) this.emit(key, latest.value);
    }, this.minIntervalMs - since);
    timer.unref?.();
    this.pending.set(key, { value, timer });
  }

  /**
   * Sent now, outside the key's window: a change that must not be merged into a state (an agent registered or
   * deleted). A state still waiting for the key is dropped: it is older than this event.
   */
  publishNow(key: number, value: T): void {
    const waiting = this.pending.get(key);
    if (waiting) clearTimeout(waiting.timer);
    this.pending.delete(key);
    this.emit(key, value);
  }

  /** Events after `lastEventId`, or null when that id is older than what is kept (the caller re-sends a snapshot). */
  since(lastEventId: number): FeedEvent<T>[] | null {
    const oldest = this.ring[0]?.id ?? this.seq + 1;
    if (lastEventId < oldest - 1) return null;
    return this.ring.filter((e) => e.id > lastEventId);
  }

  get lastId(): number {
    return this.seq;
  }

  subscribe(listener: (event: FeedEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.listeners.clear();
  }

  private emit(key: number, value: T): void {
    const event = { id: ++this.seq, key, value };
    this.lastSent.set(key, this.now());
    this.ring.push(event);
    if (this.ring.length > this.keep) this.ring.shift();
    for (const listener of [...this.listeners]) listener(event);
  }
}
