import { describe, expect, it } from 'vitest';
import { TrackerSchedule } from './tracker-schedule';
import { inProcessTunnelTracker, trackPodTunnels } from './tunnel-tracker';

describe('TrackerSchedule', () => {
  const schedule = (batchSize = 3, random = () => 0) =>
    new TrackerSchedule({ refreshMs: 10_000, batchSize, jitter: 0.2, random });

  it('writes a new agent with the next batch, then again once its refresh is due', () => {
    const s = schedule();
    s.add(7);
    expect(s.nextBatch(1_000)).toEqual({ upsert: [7], remove: [] });
    expect(s.nextBatch(1_001)).toBeNull();
    // random() = 0: due exactly refreshMs after the write.
    expect(s.nextBatch(10_999)).toBeNull();
    expect(s.nextBatch(11_000)).toEqual({ upsert: [7], remove: [] });
  });

  it('spreads refreshes: the jitter takes up to a fifth off each agent’s period', () => {
    let r = 0;
    const values = [0, 0.5, 0.999];
    const s = schedule(10, () => values[r++ % values.length]!);
    for (const id of [1, 2, 3]) s.add(id);
    expect(s.nextBatch(0)?.upsert).toEqual([1, 2, 3]);
    // Due at 10,000, 9,000 and 8,002.
    expect(s.nextBatch(8_001)).toBeNull();
    expect(s.nextBatch(8_002)?.upsert).toEqual([3]);
    expect(s.nextBatch(9_000)?.upsert).toEqual([2]);
    expect(s.nextBatch(10_000)?.upsert).toEqual([1]);
  });

  it('never puts more than batchSize agents in one batch; the rest follow in the next ones', () => {
    const s = schedule(3);
    for (let id = 1; id <= 8; id++) s.add(id);
    const sizes: number[] = [];
    for (let b = s.nextBatch(0); b; b = s.nextBatch(0)) sizes.push(b.upsert.length + b.remove.length);
    expect(sizes).toEqual([3, 3, 2]);
  });

  it('removes a gone agent once, and a gone agent that comes back is written, not removed', () => {
    const s = schedule();
    s.add(1);
    s.nextBatch(0);
    s.remove(1);
    expect(s.has(1)).toBe(false);
    expect(s.nextBatch(1)).toEqual({ upsert: [], remove: [1] });
    expect(s.nextBatch(2)).toBeNull();
    s.add(2);
    s.nextBatch(3);
    s.remove(2);
    s.add(2);
    expect(s.nextBatch(4)).toEqual({ upsert: [2], remove: [] });
  });

  it('a failed batch is owed again at once; a removal of an agent held again meanwhile is dropped', () => {
    const s = schedule();
    s.add(1);
    s.add(2);
    const first = s.nextBatch(0)!;
    s.failed(first);
    expect(s.nextBatch(1)).toEqual({ upsert: [1, 2], remove: [] });
    s.remove(1);
    const removal = s.nextBatch(2)!;
    expect(removal.remove).toEqual([1]);
    s.add(1);
    s.failed(removal);
    expect(s.nextBatch(3)).toEqual({ upsert: [1], remove: [] });
  });

  it('rewriteAll makes every held entry due (Redis came back)', () => {
    const s = schedule(10);
    s.add(1);
    s.add(2);
    s.nextBatch(0);
    expect(s.nextBatch(1)).toBeNull();
    s.rewriteAll();
    expect(s.nextBatch(1)?.upsert).toEqual([1, 2]);
  });
});

describe('trackPodTunnels', () => {
  it('registers an agent while any of its pods has a tunnel here', async () => {
    const tracker = inProcessTunnelTracker('kas-a');
    const listener = trackPodTunnels(tracker);
    listener(5, 1, { idle: 2, active: 0 });
    listener(5, 2, { idle: 1, active: 0 });
    expect(await tracker.kasUrlsFor(5)).toEqual(['kas-a']);
    listener(5, 1, { idle: 0, active: 0 });
    expect(tracker.holds(5)).toBe(true);
    listener(5, 2, { idle: 0, active: 1 });
    listener(5, 2, { idle: 0, active: 0 });
    expect(tracker.holds(5)).toBe(false);
    expect(await tracker.kasUrlsFor(5)).toEqual([]);
    // A pod never seen with tunnels going to zero changes nothing.
    listener(6, 1, { idle: 0, active: 0 });
    expect(tracker.holds(6)).toBe(false);
  });
});
