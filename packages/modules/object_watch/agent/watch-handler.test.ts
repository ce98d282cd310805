import { describe, expect, it } from 'vitest';
import { directTunnelPairForTests } from '../../kubernetes_api/shared/testing/direct-tunnel-pair';
import type { OutgoingCall } from '../../reverse_tunnel/shared/tunnel-api';
import { GrpcStatus } from '../../shared/grpc-status';
import {
  decodeWatchMessage,
  OBJECT_WATCH_WATCH,
  watchMessageSchema,
  type ObjectRow,
  type WatchMessage,
  type WatchRequest,
} from '../shared/watch-api';
import { ObjectCache } from './object-cache';
import { watchHandler, type CacheDirectory } from './watch-handler';

const pods = { group: '', version: 'v1', resource: 'pods' };
const row = (uid: string, rv: string, labels: Record<string, string> = {}, namespace = 'web'): ObjectRow => ({
  uid,
  name: `pod-${uid}`,
  namespace,
  resourceVersion: rv,
  createdAt: '',
  labels,
  ownerReferences: [],
  columns: { phase: 'Running' },
});

/** The caches a handler sees, changeable by the test like a new configuration would. */
function directory(initial: ObjectCache[]) {
  const caches = new Map(initial.map((c) => [c.ref.resource, c]));
  const listeners = new Set<() => void>();
  const dir: CacheDirectory & { set(cache: ObjectCache | null, id: string): void } = {
    cache: (id) => caches.get(id),
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(cache, id) {
      if (cache) caches.set(id, cache);
      else caches.delete(id);
      for (const l of listeners) l();
    },
  };
  return dir;
}

function open(
  dir: CacheDirectory,
  request: WatchRequest | Record<string, unknown>,
  maxPendingChanges?: number,
) {
  const pair = directTunnelPairForTests(watchHandler({ caches: dir, maxPendingChanges }), OBJECT_WATCH_WATCH);
  pair.outgoing.sendMessage(Buffer.from(JSON.stringify(request)));
  return { ...pair, reader: reader(pair.outgoing) };
}

function reader(call: OutgoingCall) {
  const it = call.messages[Symbol.asyncIterator]();
  return {
    async next(): Promise<WatchMessage> {
      const r = await it.next();
      if (r.done) throw new Error('the call ended');
      return decodeWatchMessage(watchMessageSchema, r.value);
    },
    /** Reads a whole snapshot (every chunk), returning its rows and version. */
    async snapshot(): Promise<{ rows: ObjectRow[]; version: string; chunks: number }> {
      const rows: ObjectRow[] = [];
      for (let chunks = 1; ; chunks++) {
        const m = await this.next();
        if (m.type !== 'snapshot') throw new Error(`expected a snapshot, got ${JSON.stringify(m)}`);
        rows.push(...m.rows);
        if (m.last) return { rows, version: m.version!, chunks };
      }
    },
  };
}

const synced = (rows: ObjectRow[] = []) => {
  const cache = new ObjectCache(pods);
  cache.setInfo({ kind: 'Pod', namespaced: true });
  cache.replaceAll(rows);
  return cache;
};

describe('ObjectWatch.Watch handler', () => {
  it('sends the status, a snapshot in chunks of 500, then deltas; ends when kas cancels', async () => {
    const many = Array.from({ length: 1_200 }, (_, i) => row(`u${i}`, '1'));
    const cache = synced(many);
    const { reader: r, outgoing, handled } = open(directory([cache]), { resource: 'pods' });
    expect(await r.next()).toEqual({
      type: 'status',
      state: 'ok',
      message: '',
      kind: 'Pod',
      namespaced: true,
    });
    const snapshot = await r.snapshot();
    expect(snapshot.chunks).toBe(3);
    expect(snapshot.rows).toHaveLength(1_200);
    expect(snapshot.version).toBe(cache.version);
    cache.apply('added', row('new', '2'));
    cache.apply('deleted', row('u0', '3'));
    // What arrived together leaves in one batch.
    expect(await r.next()).toEqual({
      type: 'deltas',
      deltas: [
        { type: 'added', row: row('new', '2') },
        { type: 'deleted', row: row('u0', '3') },
      ],
      version: cache.version,
    });
    outgoing.cancel('viewer left');
    await handled;
  });

  it('filters by namespace, labels and fields; a row leaving the filter is deleted, one entering added', async () => {
    const cache = synced([
      row('a', '1', { app: 'web' }),
      row('b', '1', { app: 'api' }),
      row('c', '1', { app: 'web' }, 'other'),
    ]);
    const { reader: r, outgoing } = open(directory([cache]), {
      resource: 'pods',
      namespace: 'web',
      labelSelector: 'app in (web)',
      fieldSelector: 'status.phase=Running',
    });
    await r.next();
    expect((await r.snapshot()).rows.map((x) => x.uid)).toEqual(['a']);
    cache.apply('modified', row('a', '2', { app: 'api' }));
    expect(await r.next()).toMatchObject({
      type: 'deltas',
      deltas: [{ type: 'deleted', row: { uid: 'a' } }],
    });
    cache.apply('modified', row('c', '2', { app: 'web' }, 'web'));
    expect(await r.next()).toMatchObject({ type: 'deltas', deltas: [{ type: 'added', row: { uid: 'c' } }] });
    cache.apply('modified', row('b', '2', { app: 'api', x: '1' }));
    cache.apply('modified', row('c', '3', { app: 'web', y: '1' }));
    // b stays outside the filter: no message for it.
    expect(await r.next()).toMatchObject({
      type: 'deltas',
      deltas: [{ type: 'modified', row: { uid: 'c' } }],
    });
    outgoing.cancel();
  });

  it('resumes from a version the cache still covers, else sends a snapshot', async () => {
    const cache = synced([row('a', '1')]);
    const since = cache.version;
    cache.apply('added', row('b', '2'));
    cache.apply('modified', row('a', '3'));
    const first = open(directory([cache]), { resource: 'pods', sinceVersion: since });
    await first.reader.next();
    expect(await first.reader.next()).toEqual({ type: 'resumed', version: since });
    expect(await first.reader.next()).toEqual({
      type: 'deltas',
      deltas: [
        { type: 'added', row: row('b', '2') },
        { type: 'modified', row: row('a', '3') },
      ],
      version: cache.version,
    });
    first.outgoing.cancel();

    const other = open(directory([cache]), { resource: 'pods', sinceVersion: 'another-pod:3' });
    await other.reader.next();
    expect((await other.reader.snapshot()).rows.map((x) => x.uid).sort()).toEqual(['a', 'b']);
    other.outgoing.cancel();
  });

  it('gives a watcher that falls too far behind a fresh snapshot, never an unbounded queue', async () => {
    const cache = synced([row('a', '1')]);
    const { reader: r, outgoing } = open(directory([cache]), { resource: 'pods' }, 50);
    await r.next();
    await r.snapshot();
    // The reader stops reading: the handler blocks on the tunnel while 1,000 changes arrive.
    for (let i = 0; i < 1_000; i++) cache.apply('modified', row('a', String(i + 2)));
    const seen: WatchMessage[] = [];
    for (;;) {
      const m = await r.next();
      seen.push(m);
      if (m.type === 'snapshot') break;
      expect(seen.length).toBeLessThan(30);
    }
    const last = seen.at(-1)!;
    expect(last).toEqual({ type: 'snapshot', rows: [row('a', '1001')], last: true, version: cache.version });
    outgoing.cancel();
  });

  it('reports not_watched naming the setting, and serves the resource once it is configured', async () => {
    const dir = directory([]);
    const { reader: r, outgoing } = open(dir, { resource: 'v1/pods' });
    expect(await r.next()).toEqual({
      type: 'status',
      state: 'not_watched',
      message:
        "pods is not watched by this agent; add it to object_watch.resources in the agent's configuration",
    });
    const cache = synced([row('a', '1')]);
    dir.set(cache, 'pods');
    expect(await r.next()).toMatchObject({ type: 'status', state: 'ok' });
    expect((await r.snapshot()).rows).toHaveLength(1);
    dir.set(null, 'pods');
    expect(await r.next()).toMatchObject({ type: 'status', state: 'not_watched' });
    outgoing.cancel();
  });

  it('waits for the first list, and reports a cache that dropped its rows with an empty snapshot', async () => {
    const cache = new ObjectCache(pods);
    const { reader: r, outgoing } = open(directory([cache]), { resource: 'pods' });
    cache.setInfo({ kind: 'Pod', namespaced: true });
    cache.replaceAll([row('a', '1')]);
    expect(await r.next()).toMatchObject({ type: 'status', state: 'ok' });
    expect((await r.snapshot()).rows).toHaveLength(1);
    cache.drop('too_many', 'too many objects (3 > 2), narrow object_watch');
    expect(await r.next()).toMatchObject({
      type: 'status',
      state: 'too_many',
      message: /too many objects \(3 > 2\)/,
    });
    expect(await r.snapshot()).toMatchObject({ rows: [] });
    outgoing.cancel();
  });

  it('refuses a bad request with INVALID_ARGUMENT naming the field', async () => {
    const dir = directory([synced()]);
    const failure = async (request: Record<string, unknown>) => {
      const { outgoing } = open(dir, request);
      return outgoing.trailer.then(
        () => null,
        (e: { status: { code: number; message: string } }) => e.status,
      );
    };
    expect(await failure({ resource: 'pods', labelSelector: 'app in web' })).toEqual({
      code: GrpcStatus.INVALID_ARGUMENT,
      message:
        'labelSelector: label selector: at position 7: expected "(" starting a list of values, found "web"',
    });
    expect(await failure({ resource: 'pods', fieldSelector: 'spec.replicas=1' })).toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: /^fieldSelector: .*"spec.replicas" is not a field/,
    });
    expect(await failure({ resource: 'pods', extra: 1 })).toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: /bad message at \(root\)/,
    });
    expect(await failure({ resource: 'Pods!' })).toMatchObject({ message: /bad message at resource/ });
    expect(await failure({ resource: 'secrets' })).toEqual({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: 'resource: secrets are never watched: their data never leaves the cluster this way',
    });
    const { outgoing } = directTunnelPairForTests(watchHandler({ caches: dir }), OBJECT_WATCH_WATCH);
    outgoing.closeSend();
    await expect(outgoing.trailer).rejects.toMatchObject({ status: { message: /send one request message/ } });
  });
});
