// The seam between object_watch's kas half and its users (the console API's objects.* operations, bench/watch):
// viewers ask the hub for a watch; the hub keeps one upstream ObjectWatch.Watch per WatchKey however many viewers
// share it, fans its messages out, and ends it `linger` after the last viewer left.
import type { ObjectRow, WatchMessage } from '../shared/watch-api';

/** What one upstream watch is keyed by: equal keys share one upstream call to agentk. */
export interface WatchKey {
  agentId: number;
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * What a viewer receives: the wire messages (a snapshot in chunks, or `resumed`; then deltas; status at any time),
 * each with the hub's event id. A viewer that reconnects passes the last id it saw as `sinceEventId` and gets
 * `resumed` plus what it missed when the hub still has it, else a fresh snapshot.
 */
export type ViewerEvent = WatchMessage & { id: string };

export interface ViewerOptions {
  /** Ends the viewer's stream (and, after the linger, the upstream watch if it was the last viewer). */
  signal: AbortSignal;
  /** Rows this viewer may see (RBAC); rows it rejects are never sent to it, in snapshots or deltas. Default: all. */
  visible?: (row: ObjectRow) => boolean;
  sinceEventId?: string;
}

export interface ObjectWatchHub {
  /** A viewer's stream for `key`. Throws only on a bad key; upstream trouble arrives as `status` events. */
  watch(key: WatchKey, options: ViewerOptions): AsyncIterable<ViewerEvent>;
  /** Upstream watches open now, and viewers attached to them (for metrics and tests). */
  stats(): { upstreams: number; viewers: number };
}

/** The name kas's live/API layer finds the hub under (`ctx.provide`). */
export const OBJECT_WATCH_HUB = 'objectWatchHub';
