import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue';

async function drain<T>(q: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of q) out.push(item);
  return out;
}

describe('AsyncQueue', () => {
  it('delivers items pushed before and after the consumer waits, then ends', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const consumed = drain(q);
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    expect(await consumed).toEqual([1, 2, 3]);
  });

  it('delivers buffered items before the failure', async () => {
    const q = new AsyncQueue<string>();
    q.push('a');
    q.fail(new Error('broken'));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const item of q) seen.push(item);
      })(),
    ).rejects.toThrow('broken');
    expect(seen).toEqual(['a']);
  });

  it('tells the producer when the consumer drains or stops early, and can be read only once', async () => {
    const q = new AsyncQueue<number>();
    let drained = 0;
    let abandoned = 0;
    q.onDrain = () => drained++;
    q.onAbandon = () => abandoned++;
    q.push(1);
    q.push(2);
    for await (const item of q) {
      expect(item).toBe(1);
      break;
    }
    expect(drained).toBeGreaterThan(0);
    expect(abandoned).toBe(1);
    expect(() => q[Symbol.asyncIterator]()).toThrow(/read only once/);
  });

  it('makes a producer wait above the high-water mark until the consumer catches up', async () => {
    const q = new AsyncQueue<number>(2);
    await q.pushWithBackpressure(1);
    await q.pushWithBackpressure(2);
    let third = false;
    const pushed = q.pushWithBackpressure(3).then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    await pushed;
    expect(third).toBe(true);
    expect(q.size).toBe(2);
  });

  it('releases a waiting producer when the queue ends', async () => {
    const q = new AsyncQueue<number>(0);
    const pushed = q.pushWithBackpressure(1);
    q.end();
    await expect(pushed).resolves.toBeUndefined();
  });
});
