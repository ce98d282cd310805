// Recent active-stream counts per agent, so the console's sparkline has a history when the page opens (the
// browser alone only sees the changes after it subscribed). In memory and bounded: `keep` one-minute samples per
// agent, the peak of the minute, on this kas replica only; they start when kas started (nothing survives a restart).
// A minute without a change repeats the count that held; before the agent's first count, 0.

export interface StreamSamples {
  /** Length of one sample. */
  intervalMs: number;
  /** Start of the first sample's minute; the last sample is the current, unfinished minute. */
  from: string;
  /** When this kas started sampling: no sample is older. */
  kasStartedAt: string;
  /** Peak active streams in each minute, oldest first. */
  values: number[];
}

interface Series {
  /** Minute index (ms / interval) of values[0]. */
  start: number;
  values: number[];
  /** The count now (the next minute starts with it). */
  current: number;
}

export interface StreamSamplerOptions {
  now?: () => number;
  intervalMs?: number;
  keep?: number;
}

export class StreamSampler {
  private readonly series = new Map<number, Series>();
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly keep: number;
  private readonly startedAt: number;
  private readonly startMinute: number;
  private lastSweep: number;

  constructor(options: StreamSamplerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.keep = options.keep ?? 60;
    this.startedAt = this.now();
    this.startMinute = this.minute();
    this.lastSweep = this.startMinute;
  }

  /** The agent's active stream count changed to `active`. */
  record(agentId: number, active: number): void {
    const minute = this.minute();
    this.sweep(minute);
    const s = this.series.get(agentId);
    // No series reads as zeros: a zero needs no memory (and a deleted agent's last disconnect creates none).
    if (!s) {
      if (active > 0) this.series.set(agentId, { start: minute, values: [active], current: active });
      return;
    }
    this.extend(s, minute);
    s.values[s.values.length - 1] = Math.max(s.values.at(-1)!, active);
    s.current = active;
  }

  /** The last `keep` minutes (fewer while kas has run for less), up to the current one. */
  samples(agentId: number): StreamSamples {
    const minute = this.minute();
    const first = Math.max(this.startMinute, minute - this.keep + 1);
    const values = new Array<number>(minute - first + 1).fill(0);
    const s = this.series.get(agentId);
    if (s) {
      const copy = { ...s, values: s.values.slice() };
      this.extend(copy, minute);
      for (let i = 0; i < copy.values.length; i++) {
        const at = copy.start + i - first;
        if (at >= 0) values[at] = copy.values[i]!;
      }
    }
    return {
      intervalMs: this.intervalMs,
      from: new Date(first * this.intervalMs).toISOString(),
      kasStartedAt: new Date(this.startedAt).toISOString(),
      values,
    };
  }

  /** The agent was deleted. */
  drop(agentId: number): void {
    this.series.delete(agentId);
  }

  /** Agents with a series in memory (for tests and metrics). */
  get size(): number {
    return this.series.size;
  }

  private minute(): number {
    return Math.floor(this.now() / this.intervalMs);
  }

  /** Carries the current count into every minute up to `minute`, keeping the newest `keep`. */
  private extend(s: Series, minute: number): void {
    const missing = minute - (s.start + s.values.length - 1);
    if (missing >= this.keep) {
      s.start = minute - this.keep + 1;
      s.values = new Array<number>(this.keep).fill(s.current);
      return;
    }
    for (let i = 0; i < missing; i++) s.values.push(s.current);
    const over = s.values.length - this.keep;
    if (over > 0) {
      s.values.splice(0, over);
      s.start += over;
    }
  }

  /** Once a minute: forget series that have been all zeros for `keep` minutes (they read as zeros anyway). */
  private sweep(minute: number): void {
    if (minute === this.lastSweep) return;
    this.lastSweep = minute;
    for (const [agentId, s] of this.series) {
      if (s.current !== 0) continue;
      const lastNonZero = s.start + s.values.findLastIndex((v) => v > 0);
      if (minute - lastNonZero >= this.keep) this.series.delete(agentId);
    }
  }
}
