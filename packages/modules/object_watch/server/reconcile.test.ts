import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../shared/watch-api';
import { applyDelta, reconcileSnapshot } from './reconcile';

const row = (uid: string, rv: string): ObjectRow => ({
  uid,
  name: uid,
  resourceVersion: rv,
  createdAt: '2026-12-03T07:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: {},
});
const map = (...rows: ObjectRow[]) => new Map(rows.map((r) => [r.uid, r]));

describe('reconcileSnapshot', () => {
  it('turns what kas forwarded into the fresh snapshot with additions, modifications and deletions only', () => {
    const deltas = reconcileSnapshot(
      map(row('a', '1'), row('b', '1'), row('c', '1')),
      map(row('a', '1'), row('b', '2'), row('d', '1')),
    );
    expect(deltas.map((d) => `${d.type} ${d.row.uid}@${d.row.resourceVersion}`)).toEqual([
      'modified b@2',
      'added d@1',
      'deleted c@1',
    ]);
    expect(deltas[0]).toMatchObject({ prev: { resourceVersion: '1' } });
  });
  it('finds nothing to say when the snapshot equals the state', () => {
    expect(reconcileSnapshot(map(row('a', '1')), map(row('a', '1')))).toEqual([]);
  });
});

describe('applyDelta', () => {
  it('keeps the state a set by uid: a known added is a modification, an unknown modified an addition, an unknown deleted nothing', () => {
    const state = map(row('a', '1'));
    expect(applyDelta(state, { type: 'added', row: row('a', '2') })).toMatchObject({
      type: 'modified',
      prev: { resourceVersion: '1' },
    });
    expect(applyDelta(state, { type: 'modified', row: row('b', '1') })).toMatchObject({ type: 'added' });
    expect(applyDelta(state, { type: 'deleted', row: row('zz', '1') })).toBeNull();
    expect(applyDelta(state, { type: 'deleted', row: row('a', '3') })).toMatchObject({
      type: 'deleted',
      row: { resourceVersion: '2' },
    });
    expect([...state.keys()]).toEqual(['b']);
  });
});
