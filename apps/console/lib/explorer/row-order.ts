// The list's sort order, kept across versions of the rows. The store hands a new array on every change but keeps
// the objects of rows that did not change (object-list-store.ts), so a version that changed k of n rows is sorted
// by a linear pass that drops the rows gone or changed, a sort of the k new ones and a linear merge — not a sort of
// every row with a key object per row. At 50,000 pods a full sort with String#localeCompare and the garbage it left
// was most of a 350 ms task each time a burst of pod updates arrived while scrolling (docs/explorer.md, "Speed").
// The order is total (sort key, then name, then uid), so the merged order is the order a full sort gives: rows
// never move because their neighbours changed.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';

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

  /** `rows` sorted by `keyOf` (descending when `desc`); the same array back when nothing changed. */
  sort(rows: readonly R[], keyOf: (row: R) => SortKey, desc: boolean): readonly R[] {
    if (rows === this.rows && keyOf === this.keyOf && desc === this.desc) return this.sorted;
    const next = new Set(rows);
    const added =
      this.keyOf === keyOf && this.desc === desc ? rows.filter((r) => !this.present.has(r)) : null;
    const removed = added ? this.present.size - (rows.length - added.length) : 0;
    this.keyOf = keyOf;
    this.desc = desc;
    this.rows = rows;
    this.present = next;
    if (!added || added.length + removed > rows.length * FULL_SORT_SHARE) {
      this.fullSorts++;
      this.sortAll(rows);
    } else if (added.length > 0 || removed > 0) {
      this.merge(added, next);
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
  private merge(added: R[], present: Set<R>): void {
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
      if (i < old.length && present.has(old[i]!)) {
        rows.push(old[i]!);
        keys.push(oldKeys[i]!);
      }
    }
    this.sorted = rows;
    this.keys = keys;
  }
}
