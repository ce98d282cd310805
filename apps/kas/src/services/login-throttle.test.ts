import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors';
import { createLoginThrottle } from './login-throttle';
import { FakeClock } from './testing/fake-clock';

describe('login throttle', () => {
  it('allows 5 attempts per (user, address), then refuses with a retry-after until the lock ends', () => {
    const clock = new FakeClock();
    const t = createLoginThrottle(clock, { lockSeconds: 60 });
    for (let i = 0; i < 5; i++) t.charge(i % 2 ? 'Jane' : 'jane', '1.2.3.4');
    let err: unknown;
    try {
      t.charge('JANE', '1.2.3.4');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBe(60);
    // Another address is not locked: an attacker cannot lock the user out for everyone.
    expect(() => t.charge('jane', '5.6.7.8')).not.toThrow();
    clock.advance(30_000);
    expect(() => t.charge('jane', '1.2.3.4')).toThrow(/try again in 30 s/);
    clock.advance(30_001);
    expect(() => t.charge('jane', '1.2.3.4')).not.toThrow();
  });

  it('charges before any hashing: 50 attempts in one tick get 5 through', () => {
    const t = createLoginThrottle(new FakeClock());
    let passed = 0;
    for (let i = 0; i < 50; i++) {
      try {
        t.charge('admin', '9.9.9.9');
        passed++;
      } catch (e) {
        expect(e).toBeInstanceOf(RateLimitedError);
      }
    }
    expect(passed).toBe(5);
  });

  it('forgets old attempts and refunds them on success', () => {
    const clock = new FakeClock();
    const t = createLoginThrottle(clock, { windowSeconds: 10 });
    for (let i = 0; i < 4; i++) t.charge('a', 'x');
    clock.advance(11_000);
    for (let i = 0; i < 4; i++) t.charge('a', 'x');
    t.recordSuccess('a', 'x');
    for (let i = 0; i < 4; i++) t.charge('a', 'x');
    expect(() => t.charge('a', 'x')).not.toThrow();
  });

  it('keeps at most maxKeys entries under a spray of addresses', () => {
    const t = createLoginThrottle(new FakeClock(), { maxKeys: 1000 });
    for (let i = 0; i < 20_000; i++) t.charge('victim', `10.0.${i >> 8}.${i & 255}`);
    expect(t.trackedKeys).toBeLessThanOrEqual(1000);
  });
});
