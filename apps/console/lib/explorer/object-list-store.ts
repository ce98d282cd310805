// The rows of one objects.watch, kept by uid: a snapshot (in chunks) replaces them once its last chunk arrived,
// deltas patch them in place. Rows never move because one changed — the list sorts what `rows()` returns, and a
// modified row keeps its place in insertion order — so an open list does not jump (a known complaint about
// GitLab's dashboard). Pure and synchronous, so the hook can hand it to useSyncExternalStore and tests can drive it.
import type { ObjectRow, WatchMessage } from '@mooring/modules/object_watch/shared/watch-api';

import { recordRowChange } from './row-changes';

/** What objects.watch sends: the object_watch messages plus how this viewer sees them. */
export type ObjectListEvent =
  WatchMessage | { type: 'access'; actsAsAgent: boolean; namespaces: string[] | null };

export interface WatchHealth {
  state: Extract<WatchMessage, { type: 'status' }>['state'];
  message: string;
  kind?: string;
  namespaced?: boolean;
}

export interface ObjectListState {
  /** Rows in insertion order (a stable array per version: compare by identity). */
  rows: readonly ObjectRow[];
  /** Bumped on every change; 0 before the first snapshot. */
  version: number;
  /** The first full snapshot arrived (an empty list is "nothing there", not "loading"). */
  ready: boolean;
  health: WatchHealth | null;
  access: { actsAsAgent: boolean; namespaces: string[] | null } | null;
}

export class ObjectListStore {
  private byUid = new Map<string, ObjectRow>();
  private pending: Map<string, ObjectRow> | null = null;
  private state: ObjectListState = { rows: [], version: 0, ready: false, health: null, access: null };
  private listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly current = (): ObjectListState => this.state;

  get(uid: string): ObjectRow | undefined {
    return this.byUid.get(uid);
  }

  /** Applies several events and tells listeners once (a burst of deltas repaints one time). */
  apply(events: readonly ObjectListEvent[]): void {
    let rowsChanged = false;
    let other = false;
    // What this burst did to the rows, filed beside the new array (row-changes.ts) for the list's sort order.
    let full = false;
    const added: ObjectRow[] = [];
    const removed: ObjectRow[] = [];
    for (const event of events) {
      switch (event.type) {
        case 'access':
          this.state = {
            ...this.state,
            access: { actsAsAgent: event.actsAsAgent, namespaces: event.namespaces },
          };
          other = true;
          break;
        case 'status':
          this.state = {
            ...this.state,
            health:
              event.state === 'ok'
                ? null
                : {
                    state: event.state,
                    message: event.message,
                    kind: event.kind,
                    namespaced: event.namespaced,
                  },
          };
          other = true;
          break;
        case 'snapshot': {
          const into = (this.pending ??= new Map());
          for (const row of event.rows) into.set(row.uid, row);
          if (event.last) {
            // Rows that were there keep their place; new ones go to the end.
            const next = new Map<string, ObjectRow>();
            for (const uid of this.byUid.keys()) {
              const row = into.get(uid);
              if (row) next.set(uid, row);
            }
            for (const [uid, row] of into) if (!next.has(uid)) next.set(uid, row);
            this.byUid = next;
            this.pending = null;
            this.state = { ...this.state, ready: true };
            rowsChanged = true;
            full = true;
          }
          break;
        }
        case 'deltas':
          for (const delta of event.deltas) {
            const before = this.byUid.get(delta.row.uid);
            if (before) removed.push(before);
            if (delta.type === 'deleted') this.byUid.delete(delta.row.uid);
            else {
              this.byUid.set(delta.row.uid, delta.row);
              added.push(delta.row);
            }
          }
          rowsChanged = true;
          break;
        case 'resumed':
          break;
      }
    }
    if (rowsChanged) {
      const rows = [...this.byUid.values()];
      const version = this.state.version + 1;
      recordRowChange(rows, this.state.version > 0 ? this.state.rows : null, {
        version,
        full,
        added,
        removed,
      });
      this.state = { ...this.state, rows, version };
    }
    if (rowsChanged || other) for (const listener of this.listeners) listener();
  }
}
