import type { Clock } from '../clock';

/** A clock tests move by hand (expiry, TTLs, throttling) instead of sleeping. */
export class FakeClock implements Clock {
  constructor(private t = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
