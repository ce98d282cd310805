import { describe, expect, it } from 'vitest';
import { ConnectionAges } from './connection-ages';

describe('ConnectionAges', () => {
  it('keeps the first-seen time of a connection while any stream on it is open', () => {
    let now = 1_000;
    const ages = new ConnectionAges(() => now);
    const a = ages.track('127.0.0.1:5000');
    now = 5_000;
    const b = ages.track('127.0.0.1:5000');
    const other = ages.track('127.0.0.1:5001');
    expect([a.bornAt, b.bornAt, other.bornAt]).toEqual([1_000, 1_000, 5_000]);
    a.release();
    a.release(); // idempotent
    expect(ages.track('127.0.0.1:5000').bornAt).toBe(1_000);
  });

  it('forgets a connection once its last stream is released', () => {
    let now = 0;
    const ages = new ConnectionAges(() => now);
    ages.track('p').release();
    expect(ages.size).toBe(0);
    now = 7;
    expect(ages.track('p').bornAt).toBe(7);
  });
});
