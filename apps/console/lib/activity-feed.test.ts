import { describe, expect, it } from 'vitest';

import { applyActivityEvent, type ActivityRow } from './activity-feed';

const row = (id: number): ActivityRow => ({
  id,
  kind: 'token_created',
  actorId: null,
  details: {},
  createdAt: '2026-11-25T12:00:00Z',
});
const ids = (rows: ActivityRow[]) => rows.map((r) => r.id);
const newest = (from: number, count: number) => Array.from({ length: count }, (_, i) => row(from - i));

describe('applyActivityEvent', () => {
  it('adds a new row on top, once', () => {
    const once = applyActivityEvent([row(2), row(1)], row(3));
    expect(ids(once.rows)).toEqual([3, 2, 1]);
    expect(ids(applyActivityEvent(once.rows, row(3)).rows)).toEqual([3, 2, 1]);
  });

  it('merges a reset that overlaps the cache, without a refetch', () => {
    const applied = applyActivityEvent([row(5), row(4)], { reset: true, rows: newest(54, 50) });
    expect(ids(applied.rows)).toEqual(Array.from({ length: 51 }, (_, i) => 54 - i));
    expect(applied.gap).toBe(false);
  });

  it('asks for a refetch when a full reset does not reach back to the cached rows', () => {
    const applied = applyActivityEvent([row(5), row(4)], { reset: true, rows: newest(100, 50) });
    expect(ids(applied.rows).slice(0, 3)).toEqual([100, 99, 98]);
    expect(applied.gap).toBe(true);
  });

  it('takes a short reset as the whole feed', () => {
    const applied = applyActivityEvent([], { reset: true, rows: [row(9), row(8)] });
    expect(ids(applied.rows)).toEqual([9, 8]);
    expect(applied.gap).toBe(false);
  });
});
