import { describe, expect, it } from 'vitest';
import { BoundedTtlCache } from './bounded-cache';

describe('BoundedTtlCache', () => {
  it('keeps a value until its TTL passes on the injected clock', () => {
    let now = 0;
    const cache = new BoundedTtlCache<string, number>({ maxEntries: 10, ttlMs: 1_000, now: () => now });
    cache.set('a', 1);
    cache.set('short', 2, 100);
    now = 99;
    expect(cache.get('short')).toBe(2);
    now = 100;
    expect(cache.get('short')).toBeUndefined();
    now = 999;
    expect(cache.get('a')).toBe(1);
    now = 1_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never holds more than maxEntries and evicts the least recently used', () => {
    const cache = new BoundedTtlCache<string, number>({ maxEntries: 3, ttlMs: 60_000, now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recently used; b the least
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.evictions).toBe(1);
    for (let i = 0; i < 10_000; i++) cache.set(`flood-${i}`, i);
    expect(cache.size).toBe(3);
  });

  it('overwrites, deletes, and drops entries by value', () => {
    const cache = new BoundedTtlCache<string, { user: number }>({ maxEntries: 10, ttlMs: 1_000 });
    cache.set('t1', { user: 1 });
    cache.set('t2', { user: 2 });
    cache.set('t3', { user: 1 });
    cache.set('t2', { user: 3 });
    expect(cache.get('t2')).toEqual({ user: 3 });
    cache.deleteWhere((v) => v.user === 1);
    expect([cache.has('t1'), cache.has('t2'), cache.has('t3')]).toEqual([false, true, false]);
    expect(cache.delete('t2')).toBe(true);
    cache.set('zero', { user: 9 }, 0);
    expect(cache.size).toBe(0);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new BoundedTtlCache({ maxEntries: 0, ttlMs: 1 })).toThrow(/positive integer/);
  });
});
