import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../shared/watch-api';
import type { HubEntry, ViewerSource } from './hub-entry';
import { rowBytes } from './hub-entry';
import { Viewer } from './viewer';

const row = (uid: string, rv: string, size = 10): ObjectRow => ({
  uid,
  name: uid,
  resourceVersion: rv,
  createdAt: '2026-12-03T07:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: { text: 'x'.repeat(size) },
});

function source(): ViewerSource & { publish(viewer: Viewer, r: ObjectRow): void } {
  const state = new Map<string, ObjectRow>();
  const s = {
    epoch: 'abc',
    seq: 0,
    live: true,
    state,
    lastVersion: '1' as string | undefined,
    lastStatus: null,
    publish(viewer: Viewer, r: ObjectRow) {
      const prev = state.get(r.uid);
      state.set(r.uid, r);
      const entry: HubEntry = {
        kind: 'deltas',
        seq: ++s.seq,
        deltas: [prev ? { type: 'modified', row: r, prev } : { type: 'added', row: r }],
        version: r.resourceVersion,
        bytes: [rowBytes(r)],
      };
      viewer.offer(entry);
    },
  };
  return s;
}

describe('a viewer that does not read', () => {
  it('never holds more than its bound in events or bytes, and then reads the current state as a snapshot', async () => {
    const src = source();
    const viewer = new Viewer(src, undefined, { maxEvents: 20, maxBytes: 8_000 });
    expect((await viewer.next())?.type).toBe('snapshot');
    let maxEvents = 0;
    let maxBytes = 0;
    for (let i = 0; i < 10_000; i++) {
      src.publish(viewer, row(`r${i % 50}`, String(i), i % 7 === 0 ? 2_000 : 10));
      maxEvents = Math.max(maxEvents, viewer.bufferedEvents);
      maxBytes = Math.max(maxBytes, viewer.bufferedBytes);
    }
    expect(maxEvents).toBeLessThanOrEqual(20);
    expect(maxBytes).toBeLessThanOrEqual(8_000);
    const next = await viewer.next();
    expect(next).toMatchObject({ type: 'snapshot', last: true, id: `abc.${src.seq}` });
    expect(next?.type === 'snapshot' && next.rows).toHaveLength(50);
  });
});
