// In-memory cache for hot token checks. Positive and negative results are cached with separate
// TTLs, concurrent lookups of one token share one query, and the shared bounded cache caps the
// entries so a flood of random tokens cannot grow memory without limit.
import { BoundedTtlCache } from '@mooring/modules/shared/bounded-cache';
import type { Clock } from './clock';

interface Entry<V> {
  value: V | null;
}

export class TokenCache<V> {
  private readonly entries: BoundedTtlCache<string, Entry<V>>;
  private readonly inflight = new Map<string, Promise<V | null>>();
  // Bumped by invalidations, so a lookup that started before a revoke cannot re-cache a stale value.
  private generation = 0;

  constructor(
    clock: Clock,
    private readonly positiveTtlMs: number,
    private readonly negativeTtlMs: number,
    maxEntries = 50_000,
  ) {
    this.entries = new BoundedTtlCache({
      maxEntries,
      ttlMs: positiveTtlMs,
      now: () => clock.now().getTime(),
    });
  }

  async get(key: string, load: () => Promise<V | null>): Promise<{ value: V | null; cached: boolean }> {
    const hit = this.entries.get(key);
    if (hit) return { value: hit.value, cached: true };
    let pending = this.inflight.get(key);
    if (!pending) {
      const startedAt = this.generation;
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
      const value = await pending;
      if (startedAt === this.generation)
        this.entries.set(key, { value }, value === null ? this.negativeTtlMs : this.positiveTtlMs);
      return { value, cached: false };
    }
    return { value: await pending, cached: false };
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  /** Drops every entry whose value matches (e.g. all tokens of one user). */
  deleteWhere(predicate: (value: V) => boolean): void {
    this.generation++;
    this.entries.deleteWhere((e) => e.value !== null && predicate(e.value));
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
