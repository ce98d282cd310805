// agentk's pool of tunnels to kas (GitLab's connection manager): keep at least `minIdle` idle, open `scaleUpStep`
// at a time when a call leaves fewer idle (demand), take a tunnel back as idle when its call ended and kas keeps the
// stream, close idle tunnels above the minimum after `maxIdleTimeMs`, never more than `maxTunnels`, back off after
// errors. A shrink never cancels a call. Without demand (start, kas releasing idle tunnels at their maximum age, a
// retry) the pool opens only what it lacks of `minIdle`: every idle tunnel costs kas memory (~12 KiB RSS each, see
// docs/decisions.md), and opening `scaleUpStep` then would keep 5× the minimum open for `maxIdleTimeMs` after
// every start and every connection-age cycle.
import { Backoff } from '../../shared/backoff';
import type { TunnelEnd, TunnelEvents } from './agent-tunnel';

export interface PoolTunnel {
  /** Closes the tunnel if it is not carrying a call; false once a call started. */
  close(): boolean;
}

export interface TunnelPoolOptions {
  openTunnel(events: TunnelEvents): PoolTunnel;
  minIdle?: number;
  scaleUpStep?: number;
  maxIdleTimeMs?: number;
  maxTunnels?: number;
  backoff?: Backoff;
  onChange?: (stats: TunnelPoolStats) => void;
  onFailure?: (end: Extract<TunnelEnd, { kind: 'failed' }>, retryInMs: number) => void;
  now?: () => number;
}

export interface TunnelPoolStats {
  /** Opened, not yet accepted by kas. */
  connecting: number;
  idle: number;
  active: number;
  total: number;
}

interface Entry {
  state: 'connecting' | 'idle' | 'active';
  idleSince: number;
}

export const TUNNEL_POOL_DEFAULTS = {
  minIdle: 2,
  scaleUpStep: 10,
  maxIdleTimeMs: 60_000,
  maxTunnels: 500,
} as const;

export class TunnelPool {
  private readonly entries = new Map<PoolTunnel, Entry>();
  private readonly minIdle: number;
  private readonly scaleUpStep: number;
  private readonly maxIdleTimeMs: number;
  private readonly maxTunnels: number;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private retryTimer: NodeJS.Timeout | null = null;
  private reaper: NodeJS.Timeout | null = null;
  private running = false;
  private drained: (() => void) | null = null;

  constructor(private readonly options: TunnelPoolOptions) {
    this.minIdle = options.minIdle ?? TUNNEL_POOL_DEFAULTS.minIdle;
    this.scaleUpStep = options.scaleUpStep ?? TUNNEL_POOL_DEFAULTS.scaleUpStep;
    this.maxIdleTimeMs = options.maxIdleTimeMs ?? TUNNEL_POOL_DEFAULTS.maxIdleTimeMs;
    this.maxTunnels = options.maxTunnels ?? TUNNEL_POOL_DEFAULTS.maxTunnels;
    this.backoff = options.backoff ?? new Backoff();
    this.now = options.now ?? Date.now;
    if (this.minIdle < 1 || this.maxTunnels < this.minIdle)
      throw new Error(`tunnel pool needs 1 ≤ minIdle (${this.minIdle}) ≤ maxTunnels (${this.maxTunnels})`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const every = Math.max(10, Math.min(15_000, Math.floor(this.maxIdleTimeMs / 4)));
    this.reaper = setInterval(() => this.reapIdle(), every);
    this.reaper.unref?.();
    this.fill();
  }

  /** Stops opening tunnels, closes idle ones, and waits up to `graceMs` for calls in flight to finish. */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.reaper) clearInterval(this.reaper);
    this.retryTimer = this.reaper = null;
    for (const [tunnel, entry] of this.entries) if (entry.state !== 'active') tunnel.close();
    if (this.entries.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      timer.unref?.();
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  stats(): TunnelPoolStats {
    const s = { connecting: 0, idle: 0, active: 0, total: this.entries.size };
    for (const e of this.entries.values()) s[e.state]++;
    return s;
  }

  private open(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.entries.size >= this.maxTunnels) return;
      const entry: Entry = { state: 'connecting', idleSince: this.now() };
      let tunnel: PoolTunnel | null = null;
      const early: Array<() => void> = [];
      const events: TunnelEvents = {
        accepted: () => (tunnel ? this.onAccepted(tunnel) : early.push(() => this.onAccepted(tunnel!))),
        activated: () => (tunnel ? this.onActivated(tunnel) : early.push(() => this.onActivated(tunnel!))),
        idleAgain: () => (tunnel ? this.onIdleAgain(tunnel) : early.push(() => this.onIdleAgain(tunnel!))),
        keepsStream: () => this.running,
        ended: (end) => (tunnel ? this.onEnded(tunnel, end) : early.push(() => this.onEnded(tunnel!, end))),
      };
      tunnel = this.options.openTunnel(events);
      this.entries.set(tunnel, entry);
      for (const run of early) run();
    }
    this.changed();
  }

  /** Opens what the pool lacks of `minIdle`; `scaleUpStep` at least when a call just took an idle tunnel. */
  private fill(demand = false): void {
    if (!this.running || this.retryTimer) return;
    const s = this.stats();
    const missing = this.minIdle - (s.connecting + s.idle);
    if (missing > 0)
      this.open(Math.min(demand ? Math.max(missing, this.scaleUpStep) : missing, this.maxTunnels - s.total));
  }

  private onAccepted(tunnel: PoolTunnel): void {
    const entry = this.entries.get(tunnel);
    if (!entry || entry.state !== 'connecting') return;
    entry.state = 'idle';
    entry.idleSince = this.now();
    this.changed();
  }

  private onActivated(tunnel: PoolTunnel): void {
    const entry = this.entries.get(tunnel);
    if (!entry) return;
    entry.state = 'active';
    this.changed();
    this.fill(true);
  }

  /** The call ended and kas keeps the stream for the next one. */
  private onIdleAgain(tunnel: PoolTunnel): void {
    const entry = this.entries.get(tunnel);
    if (!entry || entry.state !== 'active') return;
    this.backoff.reset();
    entry.state = 'idle';
    entry.idleSince = this.now();
    this.changed();
    // A stopping pool keeps no idle tunnel.
    if (!this.running) tunnel.close();
  }

  private onEnded(tunnel: PoolTunnel, end: TunnelEnd): void {
    if (!this.entries.delete(tunnel)) return;
    this.changed();
    if (this.entries.size === 0) this.drained?.();
    if (!this.running) return;
    if (end.kind === 'failed') {
      if (!this.retryTimer) {
        const delay = this.backoff.nextDelayMs();
        this.options.onFailure?.(end, delay);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.fill();
        }, delay);
        this.retryTimer.unref?.();
      }
      return;
    }
    if (end.kind === 'served' || end.kind === 'released') this.backoff.reset();
    this.fill();
  }

  private reapIdle(): void {
    const idle = [...this.entries]
      .filter(([, e]) => e.state === 'idle')
      .sort((a, b) => a[1].idleSince - b[1].idleSince);
    const cutoff = this.now() - this.maxIdleTimeMs;
    let excess = idle.length - this.minIdle;
    for (const [tunnel, entry] of idle) {
      if (excess <= 0 || entry.idleSince > cutoff) break;
      if (tunnel.close()) excess--;
    }
  }

  private changed(): void {
    this.options.onChange?.(this.stats());
  }
}
