// In-memory cache for hot token checks. Positive and negative results are cached with separate
// TTLs, concurrent lookups of one token share one query, and the negative side is bounded so a
// flood of random tokens cannot grow memory without limit.
import type { Clock } from './clock';

interface Entry<V> {
  value: V | null;
  expiresAt: number;
}

export class TokenCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V | null>>();
  // Bumped by invalidations, so a lookup that started before a revoke cannot re-cache a stale value.
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly positiveTtlMs: number,
    private readonly negativeTtlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  async get(key: string, load: () => Promise<V | null>): Promise<{ value: V | null; cached: boolean }> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return { value: hit.value, cached: true };
    if (hit) this.entries.delete(key);
    let pending = this.inflight.get(key);
    if (!pending) {
      const startedAt = this.generation;
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
      const value = await pending;
      if (startedAt === this.generation) this.set(key, value);
      return { value, cached: false };
    }
    return { value: await pending, cached: false };
  }

  private set(key: string, value: V | null): void {
    const ttl = value === null ? this.negativeTtlMs : this.positiveTtlMs;
    if (ttl <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Oldest insertion first; good enough for a cache whose entries all expire within minutes.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: this.clock.now().getTime() + ttl });
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  /** Drops every entry whose value matches (e.g. all tokens of one user). */
  deleteWhere(predicate: (value: V) => boolean): void {
    this.generation++;
    for (const [key, e] of this.entries) if (e.value !== null && predicate(e.value)) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
