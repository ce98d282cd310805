import { describe, expect, it } from 'vitest';

import { describeLogError } from './log-errors';
import { parseLogLine, timeKey } from './log-line';
import { LineSplitter } from './line-splitter';
import { LogRing } from './log-ring';
import { LogSession, type LogQuery } from './log-session';
import { LogSearch, matchRanges, stepMatch } from './search';
import { podsToFollow } from './sources';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineSplitter', () => {
  it('joins lines cut across chunks, including a UTF-8 character split between them', () => {
    const s = new LineSplitter();
    const euro = bytes('€'); // three bytes
    expect(s.push(bytes('one\ntw'))).toEqual(['one']);
    expect(s.push(new Uint8Array([...bytes('o '), euro[0]!]))).toEqual([]);
    expect(s.push(new Uint8Array([euro[1]!, euro[2]!, ...bytes('\r\nthree')]))).toEqual(['two €']);
    expect(s.flush()).toEqual(['three']);
    expect(s.flush()).toEqual([]);
  });

  it('cuts an endless line at the limit and drops the rest up to its newline', () => {
    const s = new LineSplitter(5);
    expect(s.push('abcdefgh')).toEqual([]);
    expect(s.push('ijk\nnext\n')).toEqual(['abcde … [line cut at 16,384 characters]', 'next']);
  });
});

describe('LogRing', () => {
  it('keeps the newest lines, counts what it dropped and keeps sequence numbers across a clear', () => {
    const ring = new LogRing<number>(3);
    for (let i = 0; i < 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([2, 3, 4]);
    expect([ring.dropped, ring.first, ring.end]).toEqual([2, 2, 5]);
    expect(ring.bySeq(4)).toBe(4);
    expect(ring.bySeq(1)).toBeUndefined();
    ring.clear();
    ring.push(9);
    expect([ring.dropped, ring.first, ring.at(0)]).toEqual([0, 5, 9]);
  });
});

describe('search', () => {
  it('finds a plain substring case-insensitively; RegExp characters are just characters', () => {
    expect(matchRanges('Error: eRRor (a.*b)', 'error')).toEqual([
      [0, 5],
      [7, 12],
    ]);
    expect(matchRanges('a.*b axxb', '.*')).toEqual([[1, 3]]);
    expect(matchRanges('anything', '')).toEqual([]);
  });

  it('scans only new lines and forgets matches of dropped ones', () => {
    const ring = new LogRing<{ text: string }>(3);
    const search = new LogSearch();
    ring.push({ text: 'GET /' });
    ring.push({ text: 'POST /' });
    expect(search.update(ring, 'get')).toEqual([0]);
    const same = search.update(ring, 'get');
    expect(search.update(ring, 'get')).toBe(same);
    ring.push({ text: 'get again' });
    ring.push({ text: 'x' });
    expect(search.update(ring, 'get')).toEqual([2]);
    expect(search.update(ring, 'POST')).toEqual([1]);
  });

  it('steps to the next and previous match, wrapping', () => {
    expect(stepMatch(3, -1, 1)).toBe(0);
    expect(stepMatch(3, -1, -1)).toBe(2);
    expect(stepMatch(3, 2, 1)).toBe(0);
    expect(stepMatch(3, 0, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
  });
});

describe('log lines', () => {
  it('parses the kubelet timestamp and orders fractions of different lengths', () => {
    expect(parseLogLine('2026-12-03T11:00:05.1Z hello world', 0)).toEqual({
      time: '2026-12-03T11:00:05.1Z',
      text: 'hello world',
      source: 0,
    });
    expect(parseLogLine('no time here', 1).time).toBeNull();
    expect(timeKey('2026-12-03T11:00:05.1Z') < timeKey('2026-12-03T11:00:05.123Z')).toBe(true);
    expect(timeKey('2026-12-03T11:00:05Z') < timeKey('2026-12-03T11:00:05.000000001Z')).toBe(true);
  });

  it('says what a refused request means and what to try', () => {
    const base = { namespace: 'shop', pod: 'web-1', container: 'app', previous: false };
    expect(describeLogError({ ...base, status: 403, message: 'forbidden' }).message).toMatch(
      /^your RBAC does not allow pods\/log in shop/,
    );
    expect(describeLogError({ ...base, status: 404, message: 'pods "web-1" not found' }).title).toBe(
      'Pod gone',
    );
    const waiting = 'container "app" in pod "web-1" is waiting to start: ContainerCreating';
    expect(describeLogError({ ...base, status: 400, message: waiting })).toMatchObject({
      message: 'container is waiting: ContainerCreating — logs appear once it starts',
      final: false,
    });
    const previous = 'previous terminated container "app" in pod "web-1" not found';
    expect(describeLogError({ ...base, previous: true, status: 400, message: previous }).title).toBe(
      'No previous container',
    );
  });

  it('keeps followed pods in a selector view when others appear, at most 20', () => {
    const pods = Array.from({ length: 25 }, (_, i) => ({ name: `web-${String(i).padStart(2, '0')}` }));
    const first = podsToFollow(pods);
    expect(first.shown).toHaveLength(20);
    expect(first.total).toBe(25);
    const following = new Set(first.shown.map((p) => p.name));
    const next = podsToFollow([{ name: 'aaa' }, ...pods], following);
    expect(next.shown.map((p) => p.name)).toEqual([...following]);
  });
});

function streamOf(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(bytes(c));
      controller.close();
    },
  });
  return new Response(body, { status: 200 });
}

describe('LogSession', () => {
  it('reads a followed log, batches lines per frame and follows again from the last time without repeats', async () => {
    const queries: LogQuery[] = [];
    const answers = [
      // Lines written together share a time: "two" and "two too" are both lines, not repeats.
      streamOf(['2026-12-03T11:00:01Z one\n2026-12-03T11:00:0', '2Z two\n2026-12-03T11:00:02Z two too\n']),
      // sinceTime repeats the lines of its instant; where it is ignored, everything.
      streamOf(['2026-12-03T11:00:01Z one\n2026-12-03T11:00:02Z two\n2026-12-03T11:00:02Z two too\n']),
      streamOf(['2026-12-03T11:00:02Z two\n2026-12-03T11:00:02Z two too\n2026-12-03T11:00:03Z three\n']),
    ];
    const frames: (() => void)[] = [];
    let checks = 0;
    const session = new LogSession({
      fetchLog: async (_s, query) => {
        queries.push(query);
        const answer = answers.shift();
        if (!answer) return new Promise<Response>(() => undefined);
        return answer;
      },
      errorMessage: async (r) => r.text(),
      checkPod: async () => (checks++, { state: 'running' }),
      schedule: (flush) => (frames.push(flush), () => undefined),
      sleep: async () => undefined,
    });
    session.set([{ namespace: 'ns', pod: 'p', container: 'c' }], {
      follow: true,
      previous: false,
      tailLines: 100,
    });
    await expect.poll(() => queries.length).toBe(4);
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames.splice(0)) f();
    expect(session.ring.toArray().map((l) => l.text)).toEqual(['one', 'two', 'two too', 'three']);
    expect(queries[0]).toEqual({ follow: true, previous: false, tailLines: 100 });
    expect(queries[1]).toMatchObject({ tailLines: null, sinceTime: '2026-12-03T11:00:02Z' });
    expect(checks).toBe(3);
    session.dispose();
  });

  it('stops at a refusal that retrying cannot fix and says why', async () => {
    const session = new LogSession({
      fetchLog: async () => new Response('{"message":"pods \\"p\\" is forbidden"}', { status: 403 }),
      errorMessage: async (r) => ((await r.json()) as { message: string }).message,
      checkPod: async () => ({ state: 'running' }),
      schedule: (flush) => (flush(), () => undefined),
    });
    session.set([{ namespace: 'ns', pod: 'p', container: 'c' }], {
      follow: true,
      previous: false,
      tailLines: 10,
    });
    await expect.poll(() => session.current().statuses[0]?.state).toBe('error');
    expect(session.current().statuses[0]?.message).toMatch(/^your RBAC does not allow pods\/log in ns/);
    session.dispose();
  });
});
