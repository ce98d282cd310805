import { describe, expect, it } from 'vitest';
import { until } from './until';

describe('until', () => {
  it('returns the first truthy value of a sync or async probe', async () => {
    let n = 0;
    expect(await until('the third probe', () => ++n >= 3 && `probe ${n}`)).toBe('probe 3');
    let m = 0;
    expect(await until('an async value', async () => (++m >= 2 ? { m } : undefined))).toEqual({ m: 2 });
  });

  it('retries a probe that throws and returns once it answers', async () => {
    let n = 0;
    const value = await until('a server that starts', () => {
      if (++n < 3) throw new Error('ECONNREFUSED');
      return n;
    });
    expect(value).toBe(3);
  });

  it('fails naming what it waited for and the last value', async () => {
    let n = 0;
    await expect(until('a count above 100', () => ++n > 100 && n, 1)).rejects.toThrow(
      /timed out after 1 ms waiting for a count above 100 \(last: false\)/,
    );
  });

  it('fails with the last error as cause, and reads a function `what` only then', async () => {
    let output = '';
    const failure = until(
      () => `the ready line (output: ${output})`,
      () => {
        output = 'booting';
        throw new Error('not listening');
      },
      1,
    );
    await expect(failure).rejects.toThrow(
      'waiting for the ready line (output: booting) (last: Error: not listening)',
    );
    await expect(failure.catch((e: Error) => (e.cause as Error).message)).resolves.toBe('not listening');
  });
});
