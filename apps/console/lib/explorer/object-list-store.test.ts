import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { describe, expect, it, vi } from 'vitest';

import { ObjectListStore } from './object-list-store';

const row = (uid: string, name = uid, phase = 'Running'): ObjectRow => ({
  uid,
  name,
  namespace: 'dev',
  resourceVersion: '1',
  createdAt: '2026-12-01T00:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: { phase },
});

describe('ObjectListStore', () => {
  it('shows a snapshot only once its last chunk arrived, then patches rows in place by uid', () => {
    const store = new ObjectListStore();
    store.apply([{ type: 'snapshot', rows: [row('a'), row('b')], last: false }]);
    expect(store.current().ready).toBe(false);
    expect(store.current().rows).toEqual([]);
    store.apply([{ type: 'snapshot', rows: [row('c')], last: true, version: '1:3' }]);
    expect(store.current().rows.map((r) => r.uid)).toEqual(['a', 'b', 'c']);

    store.apply([
      { type: 'deltas', version: '1:4', deltas: [{ type: 'modified', row: row('a', 'a', 'Failed') }] },
      {
        type: 'deltas',
        version: '1:5',
        deltas: [
          { type: 'deleted', row: row('b') },
          { type: 'added', row: row('d') },
        ],
      },
    ]);
    const { rows } = store.current();
    expect(rows.map((r) => r.uid)).toEqual(['a', 'c', 'd']);
    expect(rows[0]!.columns['phase']).toBe('Failed');
  });

  it('keeps the place of rows a new snapshot still has (a reconnect does not reorder the list)', () => {
    const store = new ObjectListStore();
    store.apply([{ type: 'snapshot', rows: [row('a'), row('b'), row('c')], last: true }]);
    store.apply([{ type: 'snapshot', rows: [row('d'), row('c'), row('a')], last: true }]);
    expect(store.current().rows.map((r) => r.uid)).toEqual(['a', 'c', 'd']);
  });

  it('tells listeners once per batch and carries health and access', () => {
    const store = new ObjectListStore();
    const listener = vi.fn();
    store.subscribe(listener);
    store.apply([
      { type: 'access', actsAsAgent: false, namespaces: ['dev'] },
      { type: 'status', state: 'forbidden', message: 'agentk cannot list pods' },
      { type: 'snapshot', rows: [], last: true },
    ]);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.current()).toMatchObject({
      ready: true,
      health: { state: 'forbidden', message: 'agentk cannot list pods' },
      access: { actsAsAgent: false, namespaces: ['dev'] },
    });
    store.apply([{ type: 'status', state: 'ok', message: '' }]);
    expect(store.current().health).toBeNull();
  });
});
