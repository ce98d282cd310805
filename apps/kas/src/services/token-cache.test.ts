import { describe, expect, it } from 'vitest';
import { TokenCache } from './token-cache';
import { FakeClock } from './testing/fake-clock';

describe('TokenCache', () => {
  it('caches hits and misses for their own TTLs and shares concurrent loads', async () => {
    const clock = new FakeClock();
    const cache = new TokenCache<number>(clock, 5000, 1000);
    let loads = 0;
    const load = (v: number | null) => async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return v;
    };
    const [a, b] = await Promise.all([cache.get('k', load(1)), cache.get('k', load(1))]);
    expect([a.value, b.value, loads]).toEqual([1, 1, 1]);
    expect((await cache.get('k', load(1))).cached).toBe(true);
    await cache.get('missing', load(null));
    clock.advance(1500);
    expect((await cache.get('missing', load(null))).cached).toBe(false);
    expect((await cache.get('k', load(1))).cached).toBe(true);
    clock.advance(4000);
    expect((await cache.get('k', load(1))).cached).toBe(false);
  });

  it('does not re-cache a value whose load started before an invalidation', async () => {
    const cache = new TokenCache<number>(new FakeClock(), 5000, 1000);
    let release!: () => void;
    const pending = cache.get('k', () => new Promise<number>((r) => (release = () => r(1))));
    cache.deleteWhere((v) => v === 1);
    release();
    await pending;
    let loaded = false;
    await cache.get('k', async () => {
      loaded = true;
      return null;
    });
    expect(loaded).toBe(true);
  });

  it('bounds its size', async () => {
    const cache = new TokenCache<number>(new FakeClock(), 5000, 5000, 100);
    for (let i = 0; i < 1000; i++) await cache.get(`k${i}`, async () => null);
    expect(cache.size).toBeLessThanOrEqual(100);
  });
});
