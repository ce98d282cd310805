// The list's sort order, kept across versions of the rows. The store hands a new array on every change but keeps
// the objects of rows that did not change (object-list-store.ts) and files which objects left and arrived
// (row-changes.ts), so a version that changed k of n rows is sorted by a sort of the k new ones and one linear
// merge that drops the rows gone or changed — not a sort of every row with a key object per row, and no pass that
// hashes every row to find the changed ones (rows without a record from the store are compared that way). At 50,000 pods a full sort with String#localeCompare and the garbage it left
// was most of a 350 ms task each time a burst of pod updates arrived while scrolling (docs/explorer.md, "Speed").
// The order is total (sort key, then name, then uid), so the merged order is the order a full sort gives: rows
// never move because their neighbours changed.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';

import { rowChangesSince, rowsVersion } from './row-changes';

export type SortKey = string | number;

/** Past this share of changed rows one full sort is cheaper than the merge. */
const FULL_SORT_SHARE = 0.25;

const collator = new Intl.Collator();

export class RowOrder<R extends ObjectRow> {
  private rows: readonly R[] = [];
  private present = new Set<R>();
  private sorted: R[] = [];
  private keys: SortKey[] = [];
  /** How the last call sorted; a change sorts everything again. */
  private keyOf: ((row: R) => SortKey) | null = null;
  private desc = false;
  /** Full sorts done (tests read it to tell a merge from a sort). */
  fullSorts = 0;
  /** Versions whose changes were found by comparing every row (no usable record from the store). */
  comparedAll = 0;

  /** `rows` sorted by `keyOf` (descending when `desc`); the same array back when nothing changed. */
  sort(rows: readonly R[], keyOf: (row: R) => SortKey, desc: boolean): readonly R[] {
    if (rows === this.rows && keyOf === this.keyOf && desc === this.desc) return this.sorted;
    const sameOrder = this.keyOf === keyOf && this.desc === desc;
    const previousVersion = rowsVersion(this.rows);
    // The store said what changed since the rows sorted last (row-changes.ts): work in the changed rows only.
    const changes = sameOrder && previousVersion !== null ? rowChangesSince(rows, previousVersion) : null;
    let added: R[] | null;
    let removed: number;
    let gone: (row: R) => boolean;
    if (changes) {
      added = [...changes.added];
      removed = changes.removed.size;
      for (const row of changes.removed) this.present.delete(row);
      for (const row of added) this.present.add(row);
      gone = (row) => changes.removed.has(row);
    } else {
      // Otherwise compare the rows: one pass over all of them.
      this.comparedAll++;
      const next = new Set(rows);
      added = sameOrder ? rows.filter((r) => !this.present.has(r)) : null;
      removed = added ? this.present.size - (rows.length - added.length) : 0;
      this.present = next;
      gone = (row) => !next.has(row);
    }
    this.keyOf = keyOf;
    this.desc = desc;
    this.rows = rows;
    if (!added || added.length + removed > rows.length * FULL_SORT_SHARE) {
      this.fullSorts++;
      this.sortAll(rows);
    } else if (added.length > 0 || removed > 0) {
      this.merge(added, gone);
    }
    return this.sorted;
  }

  private compare(ka: SortKey, a: R, kb: SortKey, b: R): number {
    const d =
      typeof ka === 'number' && typeof kb === 'number' ? ka - kb : collator.compare(String(ka), String(kb));
    if (d) return this.desc ? -d : d;
    return collator.compare(a.name, b.name) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
  }

  private sortAll(rows: readonly R[]): void {
    const keyOf = this.keyOf!;
    const index = rows.map((_, i) => i);
    const keys = rows.map(keyOf);
    index.sort((i, j) => this.compare(keys[i]!, rows[i]!, keys[j]!, rows[j]!));
    this.sorted = index.map((i) => rows[i]!);
    this.keys = index.map((i) => keys[i]!);
  }

  /**
   * Keeps the sorted rows still present and merges in the added ones (sorted among themselves first), each placed
   * by a binary search of the previous order: k log n comparisons, not one per row.
   */
  private merge(added: R[], gone: (row: R) => boolean): void {
    const keyOf = this.keyOf!;
    const addedKeys = added.map(keyOf);
    const order = added.map((_, i) => i);
    order.sort((i, j) => this.compare(addedKeys[i]!, added[i]!, addedKeys[j]!, added[j]!));
    const old = this.sorted;
    const oldKeys = this.keys;
    // The previous order is sorted by the keys it was sorted with, rows since gone included: a valid search space.
    const place = (i: number): number => {
      let lo = 0;
      let hi = old.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(addedKeys[i]!, added[i]!, oldKeys[mid]!, old[mid]!) < 0) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const rows: R[] = [];
    const keys: SortKey[] = [];
    let a = 0;
    let next = order.length > 0 ? place(order[0]!) : old.length;
    for (let i = 0; i <= old.length; i++) {
      while (a < order.length && next === i) {
        rows.push(added[order[a]!]!);
        keys.push(addedKeys[order[a]!]!);
        a++;
        next = a < order.length ? Math.max(i, place(order[a]!)) : old.length + 1;
      }
      if (i < old.length && !gone(old[i]!)) {
        rows.push(old[i]!);
        keys.push(oldKeys[i]!);
      }
    }
    this.sorted = rows;
    this.keys = keys;
  }
}
