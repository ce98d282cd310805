// What changed between versions of a list's rows, recorded beside each rows array the store hands out, so the
// list's sort order (row-order.ts) can take in a burst of k pod updates with work in k — not a pass that hashes all
// 50,000 rows to find the few that changed, which with the garbage it left was most of a long task while scrolling
// (docs/explorer.md, "Speed"). Kept in a WeakMap keyed by the rows array: nothing is added to the rows, and a record
// goes when its array does. Each record holds the last few versions' changes (rows, never older arrays), so a
// reader that skipped a version (React renders the latest state) still finds its way, and memory stays bounded.

/** One version's change: the row objects that left (deleted, or replaced by a newer object) and that arrived. */
export interface RowChange<R> {
  version: number;
  /** A snapshot replaced the rows: nothing short of comparing every row says what changed. */
  full: boolean;
  added: readonly R[];
  removed: readonly R[];
}

/** How many versions back a record reaches; a reader further behind compares every row once. */
export const ROW_CHANGE_LOG = 16;

interface Record<R> {
  version: number;
  log: readonly RowChange<R>[];
}

const records = new WeakMap<readonly object[], Record<object>>();

/** Files `change` for `rows` (the array of version change.version), after `previous`'s log. */
export function recordRowChange<R extends object>(
  rows: readonly R[],
  previous: readonly R[] | null,
  change: RowChange<R>,
): void {
  const before = previous ? (records.get(previous)?.log ?? []) : [];
  records.set(rows, {
    version: change.version,
    log: [...before.slice(-(ROW_CHANGE_LOG - 1)), change] as RowChange<object>[],
  });
}

/** The version `rows` is, if the store recorded it. */
export function rowsVersion(rows: readonly object[]): number | null {
  return records.get(rows)?.version ?? null;
}

/**
 * The net change from version `from` to `rows`: the rows to drop from `from`'s rows and the rows to add. Null when
 * unknown (no record, `from` too far back, or a snapshot in between): compare the rows instead.
 */
export function rowChangesSince<R extends object>(
  rows: readonly R[],
  from: number,
): { added: Set<R>; removed: Set<R> } | null {
  const record = records.get(rows) as Record<R> | undefined;
  if (!record || from > record.version) return null;
  const steps = record.log.filter((change) => change.version > from);
  if (steps.length !== record.version - from || steps.some((change) => change.full)) return null;
  const added = new Set<R>();
  const removed = new Set<R>();
  for (const change of steps) {
    // A row that arrived within the span and left again was never in `from`'s rows: it simply is not added.
    for (const row of change.removed) if (!added.delete(row)) removed.add(row);
    for (const row of change.added) added.add(row);
  }
  return { added, removed };
}
