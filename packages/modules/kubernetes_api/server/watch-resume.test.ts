import { describe, expect, it } from 'vitest';
import { isWatchRequest, WatchResumeTracker } from './watch-resume';

const event = (type: string, object: object) => `${JSON.stringify({ type, object })}\n`;
const cm = (rv: string) => ({ kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: rv } });

describe('WatchResumeTracker', () => {
  it('passes whole events on and resumes from the last resourceVersion', () => {
    const t = new WatchResumeTracker('100');
    expect(t.resumeFrom).toBe('100');
    const stream = event('ADDED', cm('101')) + event('MODIFIED', cm('102'));
    const cut = stream.length - 10;
    expect(t.take(Buffer.from(stream.slice(0, cut))).toString()).toBe(event('ADDED', cm('101')));
    expect(t.resumeFrom).toBe('101');
    expect(t.take(Buffer.from(stream.slice(cut))).toString()).toBe(event('MODIFIED', cm('102')));
    expect(t.resumeFrom).toBe('102');
    expect(t.rest().length).toBe(0);
  });

  it('reads the version of Table rows and bookmarks', () => {
    const t = new WatchResumeTracker(undefined);
    t.take(Buffer.from(event('ADDED', { kind: 'Table', rows: [{ object: cm('7') }] })));
    expect(t.resumeFrom).toBe('7');
    t.take(Buffer.from(event('BOOKMARK', cm('9'))));
    expect(t.resumeFrom).toBe('9');
  });

  it('does not resume from "any version", after an ERROR event, or from a stream it cannot read', () => {
    expect(new WatchResumeTracker('0').resumeFrom).toBeUndefined();
    expect(new WatchResumeTracker(undefined).resumeFrom).toBeUndefined();
    const gone = new WatchResumeTracker('5');
    gone.take(Buffer.from(event('ERROR', { kind: 'Status', code: 410 })));
    expect(gone.resumeFrom).toBeUndefined();
    const garbled = new WatchResumeTracker('5');
    garbled.take(Buffer.from('not json\n'));
    expect(garbled.resumeFrom).toBeUndefined();
  });

  it('drops the partial event of a broken stream, keeps it at a clean end', () => {
    const t = new WatchResumeTracker('1');
    expect(t.take(Buffer.from('{"type":"ADD')).length).toBe(0);
    t.discardPartial();
    expect(t.rest().length).toBe(0);
    t.take(Buffer.from('tail'));
    expect(t.rest().toString()).toBe('tail');
  });
});

describe('isWatchRequest', () => {
  it('is a GET with watch=true or watch=1', () => {
    const url = (q: string) => new URL(`http://x/api/v1/pods${q}`);
    expect(isWatchRequest('GET', url('?watch=true&resourceVersion=1'))).toBe(true);
    expect(isWatchRequest('GET', url('?watch=1'))).toBe(true);
    expect(isWatchRequest('GET', url('?watch=false'))).toBe(false);
    expect(isWatchRequest('POST', url('?watch=true'))).toBe(false);
    expect(isWatchRequest('GET', url(''))).toBe(false);
  });
});
