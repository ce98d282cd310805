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
});
