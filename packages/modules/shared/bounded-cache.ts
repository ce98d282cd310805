// The one bounded TTL cache: entries expire after their TTL (on an injectable clock), and at most `maxEntries` are
// kept — the least recently used goes first — so keys an outsider chooses (tokens, cookies) cannot grow memory
// without limit. Every operation is O(1) (a Map keeps recency order: a hit moves its key to the end).

export interface BoundedTtlCacheOptions {
  /** At most this many entries; the least recently used is evicted to make room. */
  maxEntries: number;
  /** Default TTL of `set`. */
  ttlMs: number;
  /** Milliseconds; default Date.now. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class BoundedTtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private evicted = 0;

  constructor(options: BoundedTtlCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new Error(`BoundedTtlCache: maxEntries must be a positive integer, got ${options.maxEntries}`);
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  /** The live value for `key` (and marks it recently used), or undefined when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores `value` for `ttlMs` (default the cache's TTL); a TTL ≤ 0 stores nothing and drops an older entry. */
  set(key: K, value: V, ttlMs = this.ttlMs): void {
    this.entries.delete(key);
    if (ttlMs <= 0) return;
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
      this.evicted++;
    }
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Drops every entry whose value matches (e.g. all tokens of one user). O(size). */
  deleteWhere(predicate: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held, expired ones not yet dropped included. Never more than maxEntries. */
  get size(): number {
    return this.entries.size;
  }

  /** How many live entries were pushed out to make room (a sign maxEntries is too small, or a flood). */
  get evictions(): number {
    return this.evicted;
  }
}
