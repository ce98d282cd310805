import { describe, expect, it, vi } from 'vitest';
import { until } from '../../shared/testing/until';
import type { ObjectRow } from '../shared/watch-api';
import type { ViewerEvent, WatchKey } from './hub-api';
import { createObjectWatchHub, type ObjectWatchHubOptions } from './hub';
import { AgentDialerTestDouble } from './testing/agent-dialer-test-double';
import { ManualClock } from './testing/manual-clock';

const AGENT = 7;
const KEY: WatchKey = { agentId: AGENT, resource: 'pods', namespace: 'shop' };

function row(uid: string, rv: string, labels: Record<string, string> = {}): ObjectRow {
  return {
    uid,
    name: `pod-${uid}`,
    namespace: 'shop',
    resourceVersion: rv,
    createdAt: '2026-12-03T07:00:00Z',
    labels,
    ownerReferences: [],
    columns: { phase: 'Running' },
  };
}

function world(options: Partial<ObjectWatchHubOptions> = {}) {
  const dialer = new AgentDialerTestDouble([AGENT]);
  const clock = new ManualClock();
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const hub = createObjectWatchHub({ dialer, clock, log, backoff: { jitter: 0 }, ...options });
  return { dialer, clock, log, hub };
}

/**
 * A viewer reading in the background, folding what it gets into the rows it would show and noting every event
 * that contradicts that (an add of a row it has, a modify or delete of one it has not).
 */
function viewer(
  hub: ReturnType<typeof world>['hub'],
  options: { visible?: (r: ObjectRow) => boolean; sinceEventId?: string; key?: WatchKey } = {},
) {
  const controller = new AbortController();
  const events: ViewerEvent[] = [];
  const rows = new Map<string, ObjectRow>();
  const contradictions: string[] = [];
  let pending: Map<string, ObjectRow> | null = null;
  let ended = false;
  const stream = hub.watch(options.key ?? KEY, {
    signal: controller.signal,
    visible: options.visible,
    sinceEventId: options.sinceEventId,
  });
  void (async () => {
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'snapshot') {
        pending ??= new Map();
        for (const r of event.rows) pending.set(r.uid, r);
        if (event.last) {
          rows.clear();
          for (const [uid, r] of pending) rows.set(uid, r);
          pending = null;
        }
      } else if (event.type === 'deltas') {
        for (const d of event.deltas) {
          const had = rows.has(d.row.uid);
          if (d.type === 'added' && had) contradictions.push(`duplicate add of ${d.row.uid}`);
          if (d.type !== 'added' && !had) contradictions.push(`${d.type} of unknown ${d.row.uid}`);
          if (d.type === 'deleted') rows.delete(d.row.uid);
          else rows.set(d.row.uid, d.row);
        }
      }
    }
    ended = true;
  })();
  return {
    events,
    rows,
    contradictions,
    abort: () => controller.abort(),
    get ended() {
      return ended;
    },
    get lastId() {
      return events.at(-1)?.id;
    },
    view: () => [...rows.values()].map((r) => `${r.uid}@${r.resourceVersion}`).sort(),
    types: () => events.map((e) => e.type),
  };
}

describe('the object_watch hub', () => {
  it('fans one upstream watch out to two viewers', async () => {
    const { dialer, hub } = world();
    const a = viewer(hub);
    const b = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    expect(hub.stats()).toEqual({ upstreams: 1, viewers: 2 });
    const call = dialer.calls[0]!;
    expect(call.request).toEqual({ resource: 'pods', namespace: 'shop' });
    expect(call.halfClosed).toBe(true);
    call.reply({ type: 'status', state: 'ok', message: '', kind: 'Pod', namespaced: true });
    call.reply({ type: 'snapshot', rows: [row('1', '10'), row('2', '11')], last: true, version: '11' });
    call.reply({ type: 'deltas', deltas: [{ type: 'added', row: row('3', '12') }], version: '12' });
    for (const v of [a, b]) {
      await until('the delta', () => v.rows.size === 3);
      expect(v.view()).toEqual(['1@10', '2@11', '3@12']);
      expect(v.contradictions).toEqual([]);
    }
    expect(dialer.calls).toHaveLength(1);
    expect(a.events.map((e) => e.id)).toEqual(b.events.map((e) => e.id));
  });

  it('ends the upstream a linger after the last viewer left, and a viewer within it reuses it', async () => {
    const { dialer, clock, hub } = world({ lingerMs: 60_000 });
    const first = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    const call = dialer.calls[0]!;
    call.reply({ type: 'snapshot', rows: [row('1', '10')], last: true, version: '10' });
    await until('the snapshot', () => first.rows.size === 1);
    first.abort();
    await until('the viewer to end', () => first.ended);
    expect(hub.stats()).toEqual({ upstreams: 1, viewers: 0 });
    clock.advance(59_000);
    expect(call.cancelled).toBeNull();

    const second = viewer(hub);
    // From the hub's state at once: agentk is not asked again.
    await until('the snapshot from the hub', () => second.rows.size === 1);
    expect(dialer.calls).toHaveLength(1);
    clock.advance(60_000);
    expect(call.cancelled).toBeNull();
    second.abort();
    await until('the viewer to end', () => second.ended);
    clock.advance(59_999);
    expect(hub.stats().upstreams).toBe(1);
    clock.advance(1);
    expect(hub.stats()).toEqual({ upstreams: 0, viewers: 0 });
    expect(call.cancelled).not.toBeNull();
  });

  it('resumes a viewer from its last event id with what it missed, and gives a fresh snapshot otherwise', async () => {
    const { dialer, hub } = world();
    const keeper = viewer(hub);
    const v1 = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    const call = dialer.calls[0]!;
    call.reply({ type: 'snapshot', rows: [row('1', '10')], last: true, version: '10' });
    call.reply({ type: 'deltas', deltas: [{ type: 'added', row: row('2', '11') }], version: '11' });
    await until('both rows', () => v1.rows.size === 2);
    const lastId = v1.lastId!;
    v1.abort();
    call.reply({ type: 'deltas', deltas: [{ type: 'modified', row: row('1', '12') }], version: '12' });
    call.reply({ type: 'deltas', deltas: [{ type: 'deleted', row: row('2', '11') }], version: '13' });
    await until('the keeper to see them', () => keeper.view().join() === '1@12');

    const resumed = viewer(hub, { sinceEventId: lastId });
    await until('the missed deltas', () => resumed.events.length === 3);
    expect(resumed.types()).toEqual(['resumed', 'deltas', 'deltas']);
    expect(resumed.events[0]!.id).toBe(lastId);
    expect(
      resumed.events.slice(1).flatMap((e) => (e.type === 'deltas' ? e.deltas.map((d) => d.type) : [])),
    ).toEqual(['modified', 'deleted']);

    for (const stale of ['0123abcd.1', `${lastId}~0`, 'garbage']) {
      const fresh = viewer(hub, { sinceEventId: stale });
      await until('a fresh snapshot', () => fresh.events.length >= 1);
      expect(fresh.events[0]!.type).toBe('snapshot');
      expect(fresh.view()).toEqual(['1@12']);
    }
  });

  it('reconciles the snapshot of a reopened watch against what it forwarded: only the differences reach viewers', async () => {
    const { dialer, clock, hub } = world();
    const v = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    const first = dialer.calls[0]!;
    first.reply({
      type: 'snapshot',
      rows: [row('a', '1'), row('b', '2'), row('c', '3')],
      last: true,
      version: '3',
    });
    await until('the snapshot', () => v.rows.size === 3);

    // agentk restarted: its new cache does not cover version 3 and answers with a snapshot.
    first.break();
    await until('the reopened call', () => {
      clock.advance(1_000);
      return dialer.calls.length === 2;
    });
    const second = dialer.calls[1]!;
    expect(second.request).toEqual({ resource: 'pods', namespace: 'shop', sinceVersion: '3' });
    second.reply({ type: 'snapshot', rows: [row('a', '1')], last: false });
    second.reply({ type: 'snapshot', rows: [row('b', '5'), row('d', '6')], last: true, version: '6' });
    await until('the differences', () => v.events.length === 2);
    const deltas = v.events[1]!;
    expect(deltas.type).toBe('deltas');
    expect(deltas.type === 'deltas' && deltas.deltas.map((d) => `${d.type} ${d.row.uid}`).sort()).toEqual([
      'added d',
      'deleted c',
      'modified b',
    ]);
    expect(v.view()).toEqual(['a@1', 'b@5', 'd@6']);

    // Another pod that still covers the version resumes: its deltas continue the state.
    second.end();
    await until('the third call', () => {
      clock.advance(1_000);
      return dialer.calls.length === 3;
    });
    const third = dialer.calls[2]!;
    expect(third.request.sinceVersion).toBe('6');
    third.reply({ type: 'resumed', version: '6' });
    // A row agentk resends as added is not added twice; a delete of an unknown row is dropped.
    third.reply({
      type: 'deltas',
      deltas: [
        { type: 'added', row: row('a', '7') },
        { type: 'deleted', row: row('zz', '7') },
        { type: 'deleted', row: row('d', '8') },
      ],
      version: '8',
    });
    await until('the resumed deltas', () => v.view().join() === 'a@7,b@5');
    expect(v.contradictions).toEqual([]);
    expect(v.types()).toEqual(['snapshot', 'deltas', 'deltas']);
  });

  it('sends each viewer only the rows it may see; a row leaving its view is a delete, one entering it an add', async () => {
    const { dialer, hub } = world();
    const team = viewer(hub, { visible: (r) => r.labels.team === 'x' });
    const all = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    const call = dialer.calls[0]!;
    call.reply({
      type: 'snapshot',
      rows: [row('1', '1', { team: 'x' }), row('2', '1', { team: 'y' })],
      last: true,
      version: '1',
    });
    await until('the snapshots', () => team.rows.size === 1 && all.rows.size === 2);
    expect(team.view()).toEqual(['1@1']);
    call.reply({
      type: 'deltas',
      deltas: [
        { type: 'modified', row: row('1', '2', { team: 'y' }) },
        { type: 'modified', row: row('2', '2', { team: 'x' }) },
        { type: 'added', row: row('3', '2', { team: 'y' }) },
      ],
      version: '2',
    });
    call.reply({
      type: 'deltas',
      deltas: [{ type: 'modified', row: row('3', '3', { team: 'z' }) }],
      version: '3',
    });
    call.reply({
      type: 'deltas',
      deltas: [{ type: 'deleted', row: row('2', '4', { team: 'x' }) }],
      version: '4',
    });
    await until('the last delta', () => all.view().join() === '1@2,3@3');
    await until('the viewer to lose row 2', () => team.rows.size === 0);
    const seen = team.events.flatMap((e) =>
      e.type === 'deltas' ? e.deltas.map((d) => `${d.type} ${d.row.uid}@${d.row.resourceVersion}`) : [],
    );
    // Row 1 leaves with the row the viewer had, not the new one it may not see.
    expect(seen).toEqual(['deleted 1@1', 'added 2@2', 'deleted 2@2']);
    expect(
      team.events.some((e) => e.type === 'deltas' && e.deltas.some((d) => d.row.labels.team !== 'x')),
    ).toBe(false);
    expect(team.contradictions).toEqual([]);
  });

  it('gives a viewer that falls behind a fresh snapshot instead of queueing without bound', async () => {
    const resets = vi.fn();
    const { dialer, hub } = world({
      viewerBufferEvents: 5,
      viewerBufferBytes: 64 * 1024,
      hooks: { viewerReset: resets },
    });
    const controller = new AbortController();
    const slow = hub.watch(KEY, { signal: controller.signal })[Symbol.asyncIterator]();
    await until('the upstream call', () => dialer.calls.length === 1);
    const call = dialer.calls[0]!;
    call.reply({ type: 'snapshot', rows: [row('1', '1')], last: true, version: '1' });
    const snapshot = await slow.next();
    expect(snapshot.value).toMatchObject({ type: 'snapshot', last: true });
    for (let i = 2; i <= 200; i++)
      call.reply({
        type: 'deltas',
        deltas: [{ type: 'modified', row: row('1', String(i)) }],
        version: String(i),
      });
    await until('the hub to drop the queue', () => resets.mock.calls.length > 0);
    const fast = viewer(hub);
    await until('all deltas through the hub', () => fast.view().join() === '1@200');
    // The slow viewer reads a fresh snapshot of the current state, then nothing stale.
    const next = await slow.next();
    expect(next.value).toMatchObject({
      type: 'snapshot',
      last: true,
      rows: [{ uid: '1', resourceVersion: '200' }],
    });
    expect(resets.mock.calls.length).toBeLessThanOrEqual(200 / 5);

    // The byte bound holds too: a few big rows overflow it long before the count does.
    const big = (rv: string) => ({ ...row('1', rv), columns: { message: 'x'.repeat(1_000) } });
    const before = resets.mock.calls.length;
    for (let i = 201; i <= 300; i++)
      call.reply({ type: 'deltas', deltas: [{ type: 'modified', row: big(String(i)) }], version: String(i) });
    await until('all big deltas through the hub', () => fast.view().join() === '1@300');
    expect(resets.mock.calls.length).toBeGreaterThan(before);
    const after = await slow.next();
    expect(after.value).toMatchObject({ type: 'snapshot', rows: [{ resourceVersion: '300' }] });
    controller.abort();
  });

  it('ends an upstream call on a bad message, logs it and reopens from the last version', async () => {
    const { dialer, clock, hub, log } = world();
    const v = viewer(hub);
    await until('the upstream call', () => dialer.calls.length === 1);
    const first = dialer.calls[0]!;
    first.reply({ type: 'snapshot', rows: [row('1', '1')], last: true, version: '1' });
    first.replyBytes(Buffer.from('{"type":"deltas","deltas":[{"type":"exploded"}],"version":"2"}'));
    await until('the call to be cancelled', () => first.cancelled !== null);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, resource: 'pods' }),
      expect.stringMatching(/bad message/),
    );
    await until('the reopened call', () => {
      clock.advance(1_000);
      return dialer.calls.length === 2;
    });
    const second = dialer.calls[1]!;
    expect(second.request.sinceVersion).toBe('1');
    second.reply({ type: 'resumed', version: '1' });
    second.reply({ type: 'deltas', deltas: [{ type: 'modified', row: row('1', '2') }], version: '2' });
    await until('the delta', () => v.view().join() === '1@2');
    // Deltas without a snapshot or resume before them break the contract too.
    second.end();
    await until('the third call', () => {
      clock.advance(1_000);
      return dialer.calls.length === 3;
    });
    dialer.calls[2]!.replyBytes(Buffer.from('not json'));
    await until('the third call to be cancelled', () => dialer.calls[2]!.cancelled !== null);
    expect(v.contradictions).toEqual([]);
    expect(v.types()).toEqual(['snapshot', 'deltas']);
  });

  it('tells viewers when the agent is not connected, keeps retrying, and replays the last status to late joiners', async () => {
    const { dialer, clock, hub } = world();
    dialer.connected.clear();
    const early = viewer(hub);
    await until('two statuses', () => early.events.length === 2);
    // At once, from the tunnel counts; then the dialer's own error after its wait.
    expect(early.events[0]).toMatchObject({
      type: 'status',
      state: 'error',
      message: expect.stringMatching(
        /agent 7 has no connection to kas right now; check that agentk is running/,
      ),
    });
    const status = early.events[1]!;
    expect(status).toMatchObject({
      type: 'status',
      state: 'error',
      message: expect.stringMatching(
        /agent 7 has no connection to any kas replica.*check that agentk is running/,
      ),
    });
    // Not resumable: this viewer has no state yet.
    expect(status.id).toMatch(/~/);
    const attempts = dialer.attempts;
    clock.advance(5_000);
    await until('more attempts', () => dialer.attempts > attempts);
    // Retries say nothing new.
    expect(early.events).toHaveLength(2);

    // A viewer arriving now learns the same at once.
    const waiting = viewer(hub);
    await until('the replayed status', () => waiting.events.length === 1);
    expect(waiting.events[0]).toMatchObject({
      type: 'status',
      message: status.type === 'status' && status.message,
    });
    waiting.abort();

    dialer.connected.add(AGENT);
    await until('the upstream call', () => {
      clock.advance(5_000);
      return dialer.calls.length === 1;
    });
    const call = dialer.calls[0]!;
    call.reply({ type: 'status', state: 'forbidden', message: 'agentk cannot list pods; grant list/watch' });
    call.reply({ type: 'snapshot', rows: [], last: true, version: '1' });
    await until('the snapshot', () => early.types().includes('snapshot'));
    const late = viewer(hub);
    await until('the late joiner', () => late.events.length === 2);
    expect(late.events[0]).toMatchObject({ type: 'snapshot', rows: [], last: true });
    expect(late.events[1]).toMatchObject({ type: 'status', state: 'forbidden', id: late.events[0]!.id });
  });

  it('tells viewers why agentk refused a watch, and keeps trying', async () => {
    const { dialer, clock, hub } = world();
    const v = viewer(hub, { key: { ...KEY, fieldSelector: 'spec.bogus=1' } });
    await until('the upstream call', () => dialer.calls.length === 1);
    dialer.calls[0]!.fail(3, 'fieldSelector: pods have no field spec.bogus');
    await until('a status', () => v.events.length === 1);
    expect(v.events[0]).toMatchObject({
      type: 'status',
      state: 'error',
      message: expect.stringMatching(
        /agentk refused the watch of pods in namespace shop with fields spec.bogus=1 of agent 7: fieldSelector: pods have no field/,
      ),
    });
    await until('a retry', () => {
      clock.advance(1_000);
      return dialer.calls.length === 2;
    });
  });
});
