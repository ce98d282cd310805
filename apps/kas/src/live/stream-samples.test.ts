// The sampler over an injected clock: peaks per minute, counts carried across quiet minutes, bounded to 60, zeros
// before kas saw the agent, nothing older than kas's start, and a deleted agent forgotten.
import { describe, expect, it } from 'vitest';

import { StreamSampler } from './stream-samples';

const minute = 60_000;
const start = Date.parse('2026-12-02T18:00:10.000Z');

function sampler() {
  let now = start;
  const s = new StreamSampler({ now: () => now });
  return {
    s,
    at(minutes: number, seconds = 0) {
      now = start + minutes * minute + seconds * 1000;
    },
  };
}

describe('StreamSampler', () => {
  it('starts at kas’s start, keeps the peak of each minute and carries the count through quiet minutes', () => {
    const { s, at } = sampler();
    expect(s.samples(7)).toEqual({
      intervalMs: minute,
      from: '2026-12-02T18:00:00.000Z',
      kasStartedAt: '2026-12-02T18:00:10.000Z',
      values: [0],
    });
    at(1, 5);
    s.record(7, 2);
    s.record(7, 5);
    s.record(7, 1);
    at(4);
    // Minute 1 peaked at 5 and ended at 1; minutes 2–4 held 1.
    expect(s.samples(7).values).toEqual([0, 5, 1, 1, 1]);
    s.record(7, 3);
    expect(s.samples(7).values).toEqual([0, 5, 1, 1, 3]);
    // Another agent kas has seen nothing of: zeros since kas started.
    expect(s.samples(8).values).toEqual([0, 0, 0, 0, 0]);
  });

  it('keeps only the last 60 minutes', () => {
    const { s, at } = sampler();
    for (let m = 0; m < 100; m++) {
      at(m);
      s.record(7, m + 1);
    }
    const samples = s.samples(7);
    expect(samples.values).toHaveLength(60);
    expect(samples.values[0]).toBe(41);
    expect(samples.values.at(-1)).toBe(100);
    expect(samples.from).toBe(new Date(Date.parse('2026-12-02T18:00:00.000Z') + 40 * minute).toISOString());
    at(500);
    expect(s.samples(7).values).toEqual(new Array(60).fill(100));
  });

  it('forgets a deleted agent, and an agent idle at zero for 60 minutes', () => {
    const { s, at } = sampler();
    s.record(7, 2);
    s.record(8, 1);
    s.record(8, 0);
    s.drop(7);
    expect(s.samples(7).values).toEqual([0]);
    // A deleted agent's pods report their last counts (0) afterwards: that keeps no memory.
    s.record(7, 0);
    expect(s.size).toBe(1);
    at(61);
    s.record(9, 0);
    expect(s.size).toBe(0);
  });
});
