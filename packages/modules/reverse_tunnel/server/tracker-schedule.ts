// What the Redis tunnel tracker writes next, as plain state with the caller's clock (no Redis here, so the TTL and
// refresh logic is unit-tested): agents this replica holds tunnels for, the writes still owed (a new agent, a gone
// agent, a failed write), and when each held agent's entry is refreshed next. Refreshes are spread: each agent is due
// `refreshMs` after its own last write, less up to `jitter` of it, so agents that connected together drift apart and
// one tick never rewrites everything; a batch holds at most `batchSize` agents.

export interface TrackerScheduleOptions {
  /** How often a held agent's entry is rewritten (well inside the TTL). */
  refreshMs: number;
  /** Agents per batch (one Redis pipeline). */
  batchSize: number;
  /** Fraction of `refreshMs` taken off at random per write. Default 0.2. */
  jitter?: number;
  random?: () => number;
}

export interface TrackerBatch {
  /** Entries to write (new or due for refresh). */
  upsert: number[];
  /** Entries to delete (this replica holds the agent no more). */
  remove: number[];
}

export class TrackerSchedule {
  /** Held agents and when their entry is due (ms, caller's clock); 0 = not written yet. */
  private readonly held = new Map<number, number>();
  private readonly removals = new Set<number>();
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: TrackerScheduleOptions) {
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** This replica holds tunnels of the agent: its entry is written with the next batch. */
  add(agentId: number): void {
    this.removals.delete(agentId);
    if (!this.held.has(agentId)) this.held.set(agentId, 0);
  }

  /** This replica holds no tunnel of the agent any more: its entry is deleted with the next batch. */
  remove(agentId: number): void {
    if (this.held.delete(agentId)) this.removals.add(agentId);
  }

  has(agentId: number): boolean {
    return this.held.has(agentId);
  }

  agents(): number[] {
    return [...this.held.keys()];
  }

  /** Writes owed at `now`: removals and new entries first, then refreshes due; null when nothing is. */
  nextBatch(now: number): TrackerBatch | null {
    const { batchSize } = this.options;
    const remove: number[] = [];
    for (const agentId of this.removals) {
      if (remove.length >= batchSize) break;
      remove.push(agentId);
    }
    for (const agentId of remove) this.removals.delete(agentId);
    const upsert: number[] = [];
    for (const [agentId, dueAt] of this.held) {
      if (upsert.length + remove.length >= batchSize) break;
      if (dueAt <= now) upsert.push(agentId);
    }
    // Counted as written now; a failed write hands them back (failed()).
    for (const agentId of upsert) this.held.set(agentId, this.nextDue(now));
    return upsert.length + remove.length === 0 ? null : { upsert, remove };
  }

  /** The batch's write failed: its entries are owed again (still held ones due at once, removals again). */
  failed(batch: TrackerBatch): void {
    for (const agentId of batch.upsert) if (this.held.has(agentId)) this.held.set(agentId, 0);
    for (const agentId of batch.remove) if (!this.held.has(agentId)) this.removals.add(agentId);
  }

  /** Every held entry is owed again at once (Redis came back: what it held may have expired meanwhile). */
  rewriteAll(): void {
    for (const agentId of this.held.keys()) this.held.set(agentId, 0);
  }

  private nextDue(now: number): number {
    return now + Math.round(this.options.refreshMs * (1 - this.jitter * this.random()));
  }
}
