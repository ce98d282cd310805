// After a reconnect that answered with a snapshot (another agentk pod, or agentk restarted, lost the version kas
// resumed from), kas compares it with what it forwarded so viewers see only the differences: never a duplicate add,
// never a lost delete.
import type { ObjectRow } from '../shared/watch-api';

/** A change to the forwarded state, with the row it replaced (for visibility filters on modified rows). */
export type HubDelta =
  | { type: 'added'; row: ObjectRow }
  | { type: 'modified'; row: ObjectRow; prev: ObjectRow }
  | { type: 'deleted'; row: ObjectRow };

/** The deltas that turn `forwarded` into `fresh`; a row whose resourceVersion did not change is the same row. */
export function reconcileSnapshot(
  forwarded: ReadonlyMap<string, ObjectRow>,
  fresh: ReadonlyMap<string, ObjectRow>,
): HubDelta[] {
  const deltas: HubDelta[] = [];
  for (const [uid, row] of fresh) {
    const prev = forwarded.get(uid);
    if (prev === undefined) deltas.push({ type: 'added', row });
    else if (prev.resourceVersion !== row.resourceVersion) deltas.push({ type: 'modified', row, prev });
  }
  for (const [uid, row] of forwarded) if (!fresh.has(uid)) deltas.push({ type: 'deleted', row });
  return deltas;
}

/**
 * Applies one upstream delta to `state` and returns what viewers should see, or null when it changes nothing. An
 * `added` of a known uid is a modification and a `modified` of an unknown uid an addition (agentk resends rows it
 * cannot tell kas had), a `deleted` of an unknown uid is dropped: the state stays a set keyed by uid.
 */
export function applyDelta(
  state: Map<string, ObjectRow>,
  delta: { type: 'added' | 'modified' | 'deleted'; row: ObjectRow },
): HubDelta | null {
  const prev = state.get(delta.row.uid);
  if (delta.type === 'deleted') {
    if (prev === undefined) return null;
    state.delete(delta.row.uid);
    return { type: 'deleted', row: prev };
  }
  state.set(delta.row.uid, delta.row);
  return prev === undefined ? { type: 'added', row: delta.row } : { type: 'modified', row: delta.row, prev };
}
