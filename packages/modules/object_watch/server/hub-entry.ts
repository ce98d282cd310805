// What one upstream watch publishes to its viewers, in order, each with the upstream's next seq; the recent ones
// stay in a bounded ring so a reconnecting viewer can resume.
import type { ObjectRow, WatchMessage } from '../shared/watch-api';
import type { HubDelta } from './reconcile';

export type StatusMessage = Extract<WatchMessage, { type: 'status' }>;

export type HubEntry =
  | { kind: 'deltas'; seq: number; deltas: HubDelta[]; version: string; bytes: number[] }
  | { kind: 'status'; seq: number; status: StatusMessage; bytes: number; fromHub: boolean };

/** What a viewer reads of its upstream. */
export interface ViewerSource {
  readonly epoch: string;
  /** The seq of the last entry published. */
  readonly seq: number;
  /** The upstream has a state (its first snapshot arrived). */
  readonly live: boolean;
  readonly state: ReadonlyMap<string, ObjectRow>;
  readonly lastVersion: string | undefined;
  readonly lastStatus: Extract<HubEntry, { kind: 'status' }> | null;
}

/** A row's weight in a viewer's byte budget: its JSON, once per delta, shared by every viewer. */
export function rowBytes(row: ObjectRow): number {
  return JSON.stringify(row).length + 32;
}
