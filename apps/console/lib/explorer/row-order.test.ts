import type { ObjectRow, Delta } from '@mooring/modules/object_watch/shared/watch-api';
import { describe, expect, it } from 'vitest';

import { ObjectListStore } from './object-list-store';
import { ROW_CHANGE_LOG } from './row-changes';
import { RowOrder, type SortKey } from './row-order';

const row = (uid: string, name: string, restarts = 0): ObjectRow => ({
  uid,
  name,
  namespace: 'dev',
  resourceVersion: '1',
  createdAt: '',
  labels: {},
  ownerReferences: [],
  columns: { restarts },
});
const byName = (r: ObjectRow): SortKey => r.name;
const byRestarts = (r: ObjectRow): SortKey => r.columns.restarts as number;
const names = (rows: readonly ObjectRow[]) => rows.map((r) => r.name);

describe('RowOrder', () => {
  it('sorts by the key, then the name, then the uid', () => {
    const order = new RowOrder<ObjectRow>();
    const rows = [row('u3', 'b', 1), row('u1', 'c', 0), row('u2', 'a', 1), row('u0', 'a', 1)];
    expect(order.sort(rows, byRestarts, false).map((r) => r.uid)).toEqual(['u1', 'u0', 'u2', 'u3']);
    expect(order.sort(rows, byRestarts, true).map((r) => r.uid)).toEqual(['u0', 'u2', 'u3', 'u1']);
  });

  it('answers the same array when the rows did not change', () => {
    const order = new RowOrder<ObjectRow>();
    const rows = [row('1', 'b'), row('2', 'a')];
    const first = order.sort(rows, byName, false);
    expect(order.sort(rows, byName, false)).toBe(first);
    // A new array holding the same objects (another store version) keeps the order without sorting again.
    expect(order.sort([...rows].reverse(), byName, false)).toBe(first);
    expect(order.fullSorts).toBe(1);
  });

  it('merges a few changed, added and deleted rows into the order without sorting everything', () => {
    const order = new RowOrder<ObjectRow>();
    let rows = Array.from({ length: 40 }, (_, i) => row(`u${i}`, `p-${String(i).padStart(2, '0')}`, i % 3));
    order.sort(rows, byRestarts, false);
    // p-05 restarts (its key changes: it moves), p-07 goes, p-99 arrives.
    rows = rows
      .filter((r) => r.name !== 'p-07')
      .map((r) => (r.name === 'p-05' ? row(r.uid, r.name, 7) : r))
      .concat(row('u99', 'p-99', 0));
    const merged = order.sort(rows, byRestarts, false);
    expect(order.fullSorts).toBe(1);
    expect(names(merged)).toEqual(names(new RowOrder<ObjectRow>().sort(rows, byRestarts, false)));
    expect(names(merged).at(-1)).toBe('p-05');
    expect(names(merged)).not.toContain('p-07');
    expect(names(merged.filter((r) => r.columns.restarts === 0)).at(-1)).toBe('p-99');
  });

  it('gives the order a full sort gives after many rounds of random changes', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const order = new RowOrder<ObjectRow>();
    let rows = Array.from({ length: 300 }, (_, i) => row(`u${i}`, `p-${random(100)}`, random(5)));
    let next = 300;
    for (let round = 0; round < 50; round++) {
      const changed = new Map<number, ObjectRow>();
      for (let k = random(10); k > 0; k--) {
        const i = random(rows.length);
        changed.set(i, row(rows[i]!.uid, rows[i]!.name, random(5)));
      }
      rows = rows
        .map((r, i) => changed.get(i) ?? r)
        .filter(() => random(100) > 2)
        .concat(Array.from({ length: random(5) }, () => row(`u${next++}`, `p-${random(100)}`, random(5))));
      const desc = round % 10 === 9;
      expect(order.sort(rows, byRestarts, desc).map((r) => r.uid)).toEqual(
        new RowOrder<ObjectRow>().sort(rows, byRestarts, desc).map((r) => r.uid),
      );
    }
    // Every other round merged: only the first and the nine flips of the direction sorted everything.
    expect(order.fullSorts).toBe(10);
  });
});

describe('RowOrder with the changes the store records', () => {
  const pod = (uid: string, restarts: number) => row(uid, `p-${uid}`, restarts);

  it('takes in each burst from the store without comparing every row, and sorts as a full sort does', () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const store = new ObjectListStore();
    store.apply([
      { type: 'snapshot', rows: Array.from({ length: 500 }, (_, i) => pod(`u${i}`, random(5))), last: true },
    ]);
    const order = new RowOrder<ObjectRow>();
    order.sort(store.current().rows, byRestarts, false);
    let next = 500;
    for (let round = 0; round < 40; round++) {
      const deltas: Delta[] = [];
      const uids = store.current().rows.map((r) => r.uid);
      for (let k = random(8); k > 0; k--)
        deltas.push({ type: 'modified', row: pod(uids[random(uids.length)]!, random(5)) });
      for (let k = random(3); k > 0; k--)
        deltas.push({ type: 'deleted', row: pod(uids[random(uids.length)]!, 0) });
      for (let k = random(3); k > 0; k--) deltas.push({ type: 'added', row: pod(`u${next++}`, random(5)) });
      store.apply([{ type: 'deltas', version: `1:${round}`, deltas }]);
      // Every third round React skipped a version: the next sort sees two bursts at once.
      if (round % 3 === 1) continue;
      const rows = store.current().rows;
      expect(order.sort(rows, byRestarts, false).map((r) => r.uid)).toEqual(
        new RowOrder<ObjectRow>().sort(rows, byRestarts, false).map((r) => r.uid),
      );
    }
    // Only the first sort compared every row (the rows had no earlier version), and only it sorted everything.
    expect(order.comparedAll).toBe(1);
    expect(order.fullSorts).toBe(1);
  });

  it('compares every row when it fell further behind than the record reaches, or a snapshot came between', () => {
    const store = new ObjectListStore();
    store.apply([
      { type: 'snapshot', rows: Array.from({ length: 100 }, (_, i) => pod(`u${i}`, i % 4)), last: true },
    ]);
    const order = new RowOrder<ObjectRow>();
    order.sort(store.current().rows, byRestarts, false);
    for (let i = 0; i <= ROW_CHANGE_LOG; i++)
      store.apply([
        { type: 'deltas', version: `1:${i}`, deltas: [{ type: 'modified', row: pod(`u${i}`, 9) }] },
      ]);
    const behind = store.current().rows;
    expect(order.sort(behind, byRestarts, false).map((r) => r.uid)).toEqual(
      new RowOrder<ObjectRow>().sort(behind, byRestarts, false).map((r) => r.uid),
    );
    expect(order.comparedAll).toBe(2);
    store.apply([{ type: 'snapshot', rows: [pod('u1', 0), pod('u200', 1)], last: true }]);
    expect(order.sort(store.current().rows, byRestarts, false).map((r) => r.uid)).toEqual(['u1', 'u200']);
    expect(order.comparedAll).toBe(3);
  });
});
