import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('grows from 1 s by ×1.6 up to 20 s without jitter', () => {
    let now = 0;
    const b = new Backoff({ jitter: 0, now: () => now });
    const delays = Array.from({ length: 10 }, () => {
      now += 10;
      return b.nextDelayMs();
    });
    expect(delays.slice(0, 4)).toEqual([1000, 1600, 2560, 4096]);
    expect(Math.max(...delays)).toBe(20_000);
    expect(delays.at(-1)).toBe(20_000);
  });

  it('spreads delays by ±20 % jitter', () => {
    expect(new Backoff({ random: () => 0 }).nextDelayMs()).toBe(800);
    expect(new Backoff({ random: () => 1 }).nextDelayMs()).toBe(1200);
    expect(new Backoff({ random: () => 0.5 }).nextDelayMs()).toBe(1000);
  });

  it('starts again from 1 s after a stable period or a reset', () => {
    let now = 0;
    const b = new Backoff({ jitter: 0, now: () => now, resetAfterMs: 25_000 });
    b.nextDelayMs();
    now += 1;
    expect(b.nextDelayMs()).toBe(1600);
    now += 25_000;
    expect(b.nextDelayMs()).toBe(1000);
    now += 1;
    expect(b.nextDelayMs()).toBe(1600);
    b.reset();
    expect(b.nextDelayMs()).toBe(1000);
  });
});
