import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors';
import { createLoginThrottle } from './login-throttle';
import { FakeClock } from './testing/fake-clock';

describe('login throttle', () => {
  it('locks a (user, address) after 5 failures with a retry-after, and unlocks after it', () => {
    const clock = new FakeClock();
    const t = createLoginThrottle(clock, { lockSeconds: 60 });
    for (let i = 0; i < 4; i++) t.recordFailure('Jane', '1.2.3.4');
    expect(() => t.check('jane', '1.2.3.4')).not.toThrow();
    t.recordFailure('jane', '1.2.3.4');
    let err: unknown;
    try {
      t.check('JANE', '1.2.3.4');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBe(60);
    expect(() => t.check('jane', '5.6.7.8')).not.toThrow();
    clock.advance(30_000);
    expect(() => t.check('jane', '1.2.3.4')).toThrow(/try again in 30 s/);
    clock.advance(30_001);
    expect(() => t.check('jane', '1.2.3.4')).not.toThrow();
  });

  it('forgets old failures and clears on success', () => {
    const clock = new FakeClock();
    const t = createLoginThrottle(clock, { windowSeconds: 10 });
    for (let i = 0; i < 4; i++) t.recordFailure('a', 'x');
    clock.advance(11_000);
    t.recordFailure('a', 'x');
    expect(() => t.check('a', 'x')).not.toThrow();
    for (let i = 0; i < 3; i++) t.recordFailure('a', 'x');
    t.recordSuccess('a', 'x');
    t.recordFailure('a', 'x');
    expect(() => t.check('a', 'x')).not.toThrow();
  });

  it('keeps at most maxKeys entries under a spray of addresses', () => {
    const t = createLoginThrottle(new FakeClock(), { maxKeys: 1000 });
    for (let i = 0; i < 20_000; i++) t.recordFailure('victim', `10.0.${i >> 8}.${i & 255}`);
    expect(t.trackedKeys).toBeLessThanOrEqual(1000);
  });
});
