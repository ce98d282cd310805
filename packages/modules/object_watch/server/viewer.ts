// One viewer of an upstream watch: a bounded queue of what it has not read yet. A viewer that falls behind (more
// than maxEvents events or maxBytes bytes queued) loses its queue and reads a fresh snapshot of the upstream's
// state instead, taken when it next reads, so kas holds at most the bound per viewer.
import { SNAPSHOT_CHUNK_ROWS, type Delta, type ObjectRow } from '../shared/watch-api';
import type { ViewerEvent } from './hub-api';
import type { HubEntry, ViewerSource } from './hub-entry';
import { partialId, resumableId } from './event-id';
import type { HubDelta } from './reconcile';

export interface ViewerLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface ViewerHooks {
  /** An event left for the viewer (metrics). */
  emitted?(type: ViewerEvent['type']): void;
  /** The viewer fell behind and will get a fresh snapshot (metrics). */
  reset?(): void;
}

interface Queued {
  event: ViewerEvent;
  bytes: number;
  statusSeq?: number;
}

export class Viewer {
  private queue: Queued[] = [];
  private queueBytes = 0;
  /** No state sent yet (or it was dropped): the next read freezes the upstream's state into a snapshot. */
  private needsSnapshot = true;
  private frozen: { rows: ObjectRow[]; next: number; part: number; seq: number } | null = null;
  private lastStatusSeq = -1;
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(
    private readonly source: ViewerSource,
    private readonly visible: ((row: ObjectRow) => boolean) | undefined,
    private readonly limits: ViewerLimits,
    private readonly hooks: ViewerHooks = {},
  ) {}

  /** Bytes queued now (tests, metrics). */
  get bufferedBytes(): number {
    return this.queueBytes;
  }
  get bufferedEvents(): number {
    return this.queue.length;
  }

  /**
   * Continues a viewer that had the state up to `seq`: `resumed`, then the ring entries after it. The caller has
   * checked that the ring covers `seq`.
   */
  resumeFrom(seq: number, ring: readonly HubEntry[]): void {
    this.needsSnapshot = false;
    this.push({
      event: {
        type: 'resumed',
        version: this.source.lastVersion ?? '',
        id: resumableId(this.source.epoch, seq),
      },
      bytes: 64,
    });
    for (const entry of ring) if (entry.seq > seq) this.offer(entry);
  }

  /**
   * A new viewer of an upstream that has no state yet learns at once why (agent not connected, agentk forbidden);
   * one of a live upstream gets the last status after its snapshot instead.
   */
  replayStatus(): void {
    const status = this.source.lastStatus;
    if (status && this.needsSnapshot && !this.source.live) this.offer(status);
  }

  /** A new entry of the upstream. */
  offer(entry: HubEntry): void {
    if (this.ended) return;
    const epoch = this.source.epoch;
    if (entry.kind === 'status') {
      const id = this.needsSnapshot ? partialId(epoch, entry.seq, 'n') : resumableId(epoch, entry.seq);
      this.push({ event: { ...entry.status, id }, bytes: entry.bytes, statusSeq: entry.seq });
      return;
    }
    // The state a fresh snapshot will read already holds these deltas.
    if (this.needsSnapshot) return;
    const deltas: Delta[] = [];
    let bytes = 0;
    entry.deltas.forEach((delta, i) => {
      const seen = this.view(delta);
      if (seen) {
        deltas.push(seen);
        bytes += entry.bytes[i]!;
      }
    });
    if (deltas.length === 0) return;
    this.push({
      event: { type: 'deltas', deltas, version: entry.version, id: resumableId(epoch, entry.seq) },
      bytes,
    });
  }

  /** The upstream got its state: a viewer waiting for its first snapshot can read it. */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  end(): void {
    this.ended = true;
    this.queue = [];
    this.queueBytes = 0;
    this.frozen = null;
    this.wake();
  }

  /** The next event, or null once ended. One reader at a time. */
  async next(): Promise<ViewerEvent | null> {
    for (;;) {
      if (this.ended) return null;
      if (this.frozen) return this.nextChunk();
      if (this.needsSnapshot && this.source.live) {
        this.freeze();
        continue;
      }
      const queued = this.queue.shift();
      if (queued) {
        this.queueBytes -= queued.bytes;
        if (queued.statusSeq !== undefined) this.lastStatusSeq = queued.statusSeq;
        this.hooks.emitted?.(queued.event.type);
        return queued.event;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private push(item: Queued): void {
    this.queue.push(item);
    this.queueBytes += item.bytes;
    if (this.queue.length > this.limits.maxEvents || this.queueBytes > this.limits.maxBytes) {
      this.queue = [];
      this.queueBytes = 0;
      this.frozen = null;
      this.needsSnapshot = true;
      this.hooks.reset?.();
    }
    this.wake();
  }

  private freeze(): void {
    const rows: ObjectRow[] = [];
    for (const row of this.source.state.values()) if (this.isVisible(row)) rows.push(row);
    this.frozen = { rows, next: 0, part: 0, seq: this.source.seq };
    this.needsSnapshot = false;
    // Only statuses were queued while the viewer had no state; the last one is replayed after the snapshot.
    this.queue = [];
    this.queueBytes = 0;
  }

  private nextChunk(): ViewerEvent {
    const frozen = this.frozen!;
    const epoch = this.source.epoch;
    const rows = frozen.rows.slice(frozen.next, frozen.next + SNAPSHOT_CHUNK_ROWS);
    frozen.next += rows.length;
    const last = frozen.next >= frozen.rows.length;
    this.hooks.emitted?.('snapshot');
    if (!last)
      return { type: 'snapshot', rows, last, id: partialId(epoch, frozen.seq, String(frozen.part++)) };
    this.frozen = null;
    const status = this.source.lastStatus;
    // Late joiners learn the watch's health (and the resource's kind) right after their snapshot.
    if (status && status.seq !== this.lastStatusSeq)
      this.queue.unshift({
        event: { ...status.status, id: resumableId(epoch, frozen.seq) },
        bytes: 0,
        statusSeq: status.seq,
      });
    const version = this.source.lastVersion;
    return {
      type: 'snapshot',
      rows,
      last,
      ...(version === undefined ? {} : { version }),
      id: resumableId(epoch, frozen.seq),
    };
  }

  private isVisible(row: ObjectRow): boolean {
    if (!this.visible) return true;
    try {
      return this.visible(row);
    } catch {
      return false;
    }
  }

  /** A delta as this viewer sees it: rows moving into or out of its view become additions or deletions. */
  private view(delta: HubDelta): Delta | null {
    if (delta.type !== 'modified')
      return this.isVisible(delta.row) ? { type: delta.type, row: delta.row } : null;
    const was = this.isVisible(delta.prev);
    const is = this.isVisible(delta.row);
    if (was && is) return { type: 'modified', row: delta.row };
    if (is) return { type: 'added', row: delta.row };
    // The row it had, not the new one: the viewer may not see the new one's contents.
    if (was) return { type: 'deleted', row: delta.prev };
    return null;
  }
}
