import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { describe, expect, it } from 'vitest';

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
