import { afterEach, describe, expect, it, vi } from 'vitest';

import { LiveFeed } from './live-feed';

describe('LiveFeed', () => {
  afterEach(() => vi.useRealTimers());

  it('sends at most one event per key per second, the newest state winning', () => {
    vi.useFakeTimers();
    const feed = new LiveFeed<string>({ now: () => Date.now() });
    const seen: string[] = [];
    feed.subscribe((e) => seen.push(`${e.key}:${e.value}`));
    feed.publish(1, 'a');
    feed.publish(1, 'b');
    feed.publish(1, 'c');
    feed.publish(2, 'x');
    expect(seen).toEqual(['1:a', '2:x']);
    vi.advanceTimersByTime(999);
    expect(seen).toEqual(['1:a', '2:x']);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual(['1:a', '2:x', '1:c']);
    feed.stop();
  });

  it('sends publishNow at once, dropping the state still waiting for that key', () => {
    vi.useFakeTimers();
    const feed = new LiveFeed<string>({ now: () => Date.now() });
    const seen: string[] = [];
    feed.subscribe((e) => seen.push(`${e.key}:${e.value}`));
    feed.publish(1, 'connected');
    feed.publish(1, 'disconnected');
    feed.publishNow(1, 'deleted');
    vi.advanceTimersByTime(5_000);
    expect(seen).toEqual(['1:connected', '1:deleted']);
    feed.stop();
  });

  it('replays what came after a last event id, and asks for a snapshot when that id was dropped', () => {
    const feed = new LiveFeed<number>({ minIntervalMs: 0, keep: 3 });
    for (let i = 1; i <= 5; i++) feed.publish(i, i * 10);
    expect(feed.since(3)?.map((e) => e.value)).toEqual([40, 50]);
    expect(feed.since(2)?.map((e) => e.value)).toEqual([30, 40, 50]);
    expect(feed.since(1)).toBeNull();
    expect(feed.since(5)).toEqual([]);
  });
});
