// The one exponential backoff with jitter, for everything that retries after errors. The defaults are the tunnel's
// (GitLab: 1 s → 20 s, ×1.6, ±20 %, reset after 25 s without errors); the jitter keeps a fleet of agents that lost kas
// at the same moment from reconnecting in lockstep.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of the delay added or removed at random. */
  jitter?: number;
  /** A failure this long after the previous one starts again from `initialMs`. */
  resetAfterMs?: number;
  random?: () => number;
  now?: () => number;
}

export class Backoff {
  private attempt = 0;
  private lastFailureAt = -Infinity;
  private readonly o: Required<BackoffOptions>;

  constructor(options: BackoffOptions = {}) {
    this.o = {
      initialMs: options.initialMs ?? 1_000,
      maxMs: options.maxMs ?? 20_000,
      factor: options.factor ?? 1.6,
      jitter: options.jitter ?? 0.2,
      resetAfterMs: options.resetAfterMs ?? 25_000,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
  }

  /** The delay before the next attempt after a failure. */
  nextDelayMs(): number {
    const now = this.o.now();
    if (now - this.lastFailureAt >= this.o.resetAfterMs) this.attempt = 0;
    this.lastFailureAt = now;
    const base = Math.min(this.o.maxMs, this.o.initialMs * this.o.factor ** this.attempt);
    this.attempt++;
    const spread = base * this.o.jitter;
    return Math.max(0, Math.round(base - spread + 2 * spread * this.o.random()));
  }

  /** A success: the next failure starts from the initial delay. */
  reset(): void {
    this.attempt = 0;
    this.lastFailureAt = -Infinity;
  }

  get attempts(): number {
    return this.attempt;
  }
}
