// One resource's cache in agentk: its rows by uid (never full objects), a version `<epoch>:<seq>` that every change
// advances, and a bounded ring of recent changes so a watcher that comes back with a version the ring still covers
// gets the missed deltas instead of a snapshot. The epoch is random per cache and changes whenever continuity
// breaks (rows dropped at the cap), so a version from another agentk pod or an older epoch never resumes wrongly.
import { randomBytes } from 'node:crypto';
import type { ResourceRef } from '../shared/resources';
import type { Delta, ObjectRow, WatchState } from '../shared/watch-api';

/** One change, with the row it replaced (so a filtered watcher sees a row that leaves its filter as deleted). */
export interface CacheChange {
  seq: number;
  delta: Delta;
  previous?: ObjectRow;
}

export type CacheEvent =
  | { type: 'changes'; changes: readonly CacheChange[] }
  /** Rows were dropped or replaced without deltas (a new epoch) or the first list finished: send a snapshot. */
  | { type: 'reset' }
  | { type: 'status' };

export interface CacheStatus {
  state: WatchState;
  message: string;
}

export interface ResourceInfo {
  kind: string;
  namespaced: boolean;
}

/**
 * Changes kept for resuming, per resource. Each holds up to two rows (most shared with the cache), so 4,096 bound a
 * busy resource's ring to a few MB; a watcher away longer (or through a relist larger than this) gets a snapshot.
 */
export const DEFAULT_RING_SIZE = 4_096;

export class ObjectCache {
  private readonly byUid = new Map<string, ObjectRow>();
  private readonly ring: CacheChange[] = [];
  private ringStart = 0;
  private epoch = newEpoch();
  private seq = 0;
  private listeners = new Set<(event: CacheEvent) => void>();
  /** The first LIST since the epoch began has completed. */
  synced = false;
  status: CacheStatus = { state: 'ok', message: '' };
  info: ResourceInfo | null = null;

  constructor(
    readonly ref: ResourceRef,
    private readonly ringSize = DEFAULT_RING_SIZE,
  ) {}

  get version(): string {
    return `${this.epoch}:${this.seq}`;
  }

  /** The version right after change `seq` of this epoch. */
  versionAt(seq: number): string {
    return `${this.epoch}:${seq}`;
  }

  get size(): number {
    return this.byUid.size;
  }

  rows(): IterableIterator<ObjectRow> {
    return this.byUid.values();
  }

  get(uid: string): ObjectRow | undefined {
    return this.byUid.get(uid);
  }

  subscribe(listener: (event: CacheEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CacheEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  setStatus(state: WatchState, message: string): void {
    if (this.status.state === state && this.status.message === message) return;
    this.status = { state, message };
    this.emit({ type: 'status' });
  }

  setInfo(info: ResourceInfo): void {
    const changed = this.info?.kind !== info.kind || this.info.namespaced !== info.namespaced;
    this.info = info;
    if (changed) this.emit({ type: 'status' });
  }

  /**
   * The result of a full LIST. The first one (or the first after a drop) loads the rows silently and starts
   * serving snapshots; a relist (after 410 Gone or a broken watch) emits only the differences as deltas: no
   * duplicate add for a row that was already there, a delete for each row that is gone.
   */
  replaceAll(rows: readonly ObjectRow[]): void {
    if (!this.synced) {
      this.byUid.clear();
      for (const row of rows) this.byUid.set(row.uid, row);
      this.synced = true;
      this.emit({ type: 'reset' });
      return;
    }
    const seen = new Set<string>();
    const changes: CacheChange[] = [];
    for (const row of rows) {
      seen.add(row.uid);
      const change = this.change(this.byUid.has(row.uid) ? 'modified' : 'added', row);
      if (change) changes.push(change);
    }
    for (const [uid, row] of [...this.byUid]) {
      if (!seen.has(uid)) {
        const change = this.change('deleted', row);
        if (change) changes.push(change);
      }
    }
    if (changes.length > 0) this.emit({ type: 'changes', changes });
  }

  /** One watch event. ADDED of a known uid is a modification, MODIFIED of an unknown one an add. */
  apply(type: 'added' | 'modified' | 'deleted', row: ObjectRow): void {
    const change = this.change(type, row);
    if (change) this.emit({ type: 'changes', changes: [change] });
  }

  private change(type: 'added' | 'modified' | 'deleted', row: ObjectRow): CacheChange | null {
    const previous = this.byUid.get(row.uid);
    let delta: Delta;
    if (type === 'deleted') {
      if (!previous) return null;
      this.byUid.delete(row.uid);
      delta = { type: 'deleted', row };
    } else {
      if (previous && previous.resourceVersion === row.resourceVersion) return null;
      this.byUid.set(row.uid, row);
      delta = previous ? { type: 'modified', row } : { type: 'added', row };
    }
    const change: CacheChange = { seq: ++this.seq, delta, ...(previous ? { previous } : {}) };
    this.ring.push(change);
    if (this.ring.length - this.ringStart > this.ringSize) this.ringStart++;
    // Compact once the dropped prefix is as long as the ring: amortised O(1) per change.
    if (this.ringStart >= this.ringSize) {
      this.ring.splice(0, this.ringStart);
      this.ringStart = 0;
    }
    return change;
  }

  /**
   * The changes after `version`, when this cache's epoch made it and the ring still holds every change since;
   * null otherwise (the caller sends a snapshot).
   */
  since(version: string): CacheChange[] | null {
    if (!this.synced) return null;
    const colon = version.lastIndexOf(':');
    if (colon === -1 || version.slice(0, colon) !== this.epoch) return null;
    const text = version.slice(colon + 1);
    if (!/^[0-9]{1,15}$/.test(text)) return null;
    const seq = Number(text);
    if (seq > this.seq) return null;
    const oldest = this.ringStart < this.ring.length ? this.ring[this.ringStart]!.seq : this.seq + 1;
    if (seq < oldest - 1) return null;
    return this.ring.slice(this.ringStart + (seq - (oldest - 1)));
  }

  /** Drops every row and starts a new epoch (the cap was passed, or the resource went away). */
  drop(state: WatchState, message: string): void {
    this.byUid.clear();
    this.ring.length = 0;
    this.ringStart = 0;
    this.epoch = newEpoch();
    this.seq = 0;
    this.synced = false;
    this.status = { state, message };
    this.emit({ type: 'reset' });
  }

  /** No more events: watchers of this cache learn it is no longer configured. */
  close(): void {
    this.listeners.clear();
  }
}

function newEpoch(): string {
  return randomBytes(6).toString('hex');
}
