import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../shared/watch-api';
import { ObjectCache, type CacheEvent } from './object-cache';

const pods = { group: '', version: 'v1', resource: 'pods' };
const row = (uid: string, resourceVersion: string, labels: Record<string, string> = {}): ObjectRow => ({
  uid,
  name: `pod-${uid}`,
  namespace: 'web',
  resourceVersion,
  createdAt: '',
  labels,
  ownerReferences: [],
  columns: {},
});

function recording(cache: ObjectCache) {
  const events: CacheEvent[] = [];
  cache.subscribe((e) => events.push(e));
  return events;
}

describe('ObjectCache', () => {
  it('loads the first list silently, then reconciles a relist into deltas without duplicate adds', () => {
    const cache = new ObjectCache(pods);
    const events = recording(cache);
    cache.replaceAll([row('a', '1'), row('b', '1'), row('c', '1')]);
    expect(events).toEqual([{ type: 'reset' }]);
    expect(cache.synced).toBe(true);
    const v0 = cache.version;

    // After a 410 Gone: a unchanged, b modified, c gone, d new.
    cache.replaceAll([row('a', '1'), row('b', '2'), row('d', '3')]);
    expect(events.at(-1)).toEqual({
      type: 'changes',
      changes: [
        { seq: 1, delta: { type: 'modified', row: row('b', '2') }, previous: row('b', '1') },
        { seq: 2, delta: { type: 'added', row: row('d', '3') } },
        { seq: 3, delta: { type: 'deleted', row: row('c', '1') }, previous: row('c', '1') },
      ],
    });
    expect([...cache.rows()].map((r) => r.uid).sort()).toEqual(['a', 'b', 'd']);
    expect(cache.since(v0)!.map((c) => c.delta.type)).toEqual(['modified', 'added', 'deleted']);
  });

  it('turns a repeated ADDED into a modification, ignores an unchanged one and an unknown delete', () => {
    const cache = new ObjectCache(pods);
    cache.replaceAll([]);
    const events = recording(cache);
    cache.apply('added', row('a', '1'));
    cache.apply('added', row('a', '1'));
    cache.apply('added', row('a', '2'));
    cache.apply('modified', row('b', '3'));
    cache.apply('deleted', row('zz', '4'));
    expect(events.flatMap((e) => (e.type === 'changes' ? e.changes.map((c) => c.delta.type) : []))).toEqual([
      'added',
      'modified',
      'added',
    ]);
    expect(cache.size).toBe(2);
  });

  it('resumes from any version the ring still covers, and from nothing else', () => {
    const cache = new ObjectCache(pods, 3);
    expect(cache.since(cache.version)).toBeNull(); // not synced yet
    cache.replaceAll([]);
    const versions = [cache.version];
    for (let i = 1; i <= 5; i++) {
      cache.apply('added', row(`r${i}`, String(i)));
      versions.push(cache.version);
    }
    expect(cache.since(versions[5]!)).toEqual([]);
    expect(cache.since(versions[2]!)!.map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(cache.since(versions[1]!)).toBeNull(); // change 2 fell out of the ring of 3
    expect(cache.since(`other:${5}`)).toBeNull();
    expect(cache.since(versions[5]!.replace(/:5$/, ':6'))).toBeNull();
    expect(cache.since('garbage')).toBeNull();
    expect(cache.since(versions[5]!.replace(/:5$/, ':1e3'))).toBeNull();
  });

  it('keeps the ring bounded over many changes', () => {
    const cache = new ObjectCache(pods, 100);
    cache.replaceAll([]);
    const start = cache.version;
    for (let i = 0; i < 1_000; i++) cache.apply('modified', row('a', String(i)));
    expect(cache.since(start)).toBeNull();
    const recent = cache.versionAt(900);
    expect(cache.since(recent)).toHaveLength(100);
  });

  it('drop() empties it and starts a new epoch: old versions no longer resume', () => {
    const cache = new ObjectCache(pods);
    cache.replaceAll([row('a', '1')]);
    const before = cache.version;
    const events = recording(cache);
    cache.drop('too_many', 'too many objects (3 > 2), narrow object_watch');
    expect(events).toEqual([{ type: 'reset' }]);
    expect(cache.size).toBe(0);
    expect(cache.synced).toBe(false);
    expect(cache.status.state).toBe('too_many');
    cache.replaceAll([]);
    expect(cache.version.split(':')[0]).not.toBe(before.split(':')[0]);
    expect(cache.since(before)).toBeNull();
  });
});
