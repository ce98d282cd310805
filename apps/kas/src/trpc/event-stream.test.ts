import { describe, expect, it } from 'vitest';
import { Topic } from '../services/events';
import { BEHIND, openEventStream } from './event-stream';

const ignore = () => undefined;

function source<E>() {
  const topic = new Topic<E>();
  let listeners = 0;
  return {
    publish: (event: E) => topic.emit(event, ignore),
    subscribe: (push: (event: E) => void) => {
      listeners++;
      const off = topic.subscribe(push);
      return () => {
        listeners--;
        off();
      };
    },
    get listeners() {
      return listeners;
    },
  };
}

describe('openEventStream', () => {
  it('is subscribed when it returns, so an event before the first pull is kept', async () => {
    const feed = source<number>();
    const stream = openEventStream(feed.subscribe, { signal: new AbortController().signal });
    expect(feed.listeners).toBe(1);
    feed.publish(1); // e.g. while the caller reads its snapshot
    feed.publish(2);
    expect(stream.pending).toBe(2);
    expect((await stream.next()).value).toBe(1);
    expect((await stream.next()).value).toBe(2);
    const third = stream.next();
    feed.publish(3);
    expect((await third).value).toBe(3);
    await stream.return();
    expect(feed.listeners).toBe(0);
  });

  it('drops the queue of a consumer too many events behind and hands it one BEHIND, then queues again', async () => {
    const feed = source<number>();
    const stream = openEventStream(feed.subscribe, {
      signal: new AbortController().signal,
      limits: { maxEvents: 3, maxBytes: 1 << 20 },
    });
    for (let i = 1; i <= 3; i++) feed.publish(i);
    expect(stream.pending).toBe(3);
    feed.publish(4); // the 4th pending event: too far behind
    expect(stream.pending).toBe(0);
    feed.publish(5); // dropped too: the snapshot the consumer reads next covers it
    expect((await stream.next()).value).toBe(BEHIND);
    feed.publish(6);
    expect((await stream.next()).value).toBe(6);
  });

  it('counts pending bytes too', async () => {
    const feed = source<{ text: string }>();
    const stream = openEventStream(feed.subscribe, {
      signal: new AbortController().signal,
      limits: { maxEvents: 1_000, maxBytes: 100 },
    });
    feed.publish({ text: 'a'.repeat(40) }); // 51 bytes of JSON
    expect(stream.pending).toBe(1);
    feed.publish({ text: 'b'.repeat(40) }); // 102 > 100
    expect(stream.pending).toBe(0);
    expect((await stream.next()).value).toBe(BEHIND);
  });

  it('holds at most the limit however many events a stalled consumer misses', () => {
    const feed = source<number>();
    const stream = openEventStream(feed.subscribe, {
      signal: new AbortController().signal,
      limits: { maxEvents: 1_000, maxBytes: 1 << 20 },
    });
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      feed.publish(i);
      most = Math.max(most, stream.pending);
    }
    expect(most).toBe(1_000);
  });

  it('ends with the error given to end(), dropping what was queued', async () => {
    const feed = source<number>();
    const stream = openEventStream(feed.subscribe, { signal: new AbortController().signal });
    feed.publish(1);
    const gone = new Error('agent 7 is no longer visible to you');
    stream.end(gone);
    expect(feed.listeners).toBe(0);
    await expect(stream.next()).rejects.toBe(gone);
    expect((await stream.next()).done).toBe(true);
  });

  it('ends a waiting consumer when the signal aborts', async () => {
    const feed = source<number>();
    const abort = new AbortController();
    const stream = openEventStream(feed.subscribe, { signal: abort.signal });
    const pull = stream.next();
    abort.abort();
    expect((await pull).done).toBe(true);
    expect(feed.listeners).toBe(0);
  });
});
