import { describe, expect, it } from 'vitest';

import { connectionTimeline, timelineSummary, type ConnectionEvent } from './connection-bands';

const hour = 3_600_000;
const start = Date.parse('2026-11-24T12:00:00Z');
const end = start + 24 * hour;
const at = (h: number) => start + h * hour;
const up = (h: number, pod = 'ns/a'): ConnectionEvent => ({ kind: 'agent_connected', at: at(h), pod });
const down = (h: number, pod = 'ns/a'): ConnectionEvent => ({ kind: 'agent_disconnected', at: at(h), pod });

describe('connectionTimeline', () => {
  it('bands a connect, a disconnect and a reconnect, and counts the reconnect', () => {
    const t = connectionTimeline([up(20), down(12), up(2)], start, end);
    expect(t.bands).toEqual([
      { start, end: at(2), state: 'unknown' },
      { start: at(2), end: at(12), state: 'connected' },
      { start: at(12), end: at(20), state: 'disconnected' },
      { start: at(20), end, state: 'connected' },
    ]);
    expect(t.reconnects).toEqual([at(20)]);
    expect(t.connectedMs).toBe(14 * hour);
    expect(timelineSummary(t)).toBe('connected 14 h of the last 24 h; 1 reconnect; no record for 2 h');
  });

  it('takes the state at the window start from older events', () => {
    const t = connectionTimeline([up(-30), down(-1), up(6)], start, end);
    expect(t.bands.map((b) => b.state)).toEqual(['disconnected', 'connected']);
    expect(t.reconnects).toEqual([at(6)]);
    expect(t.connectedMs).toBe(18 * hour);
  });

  it('reads a first disconnect as connected before it', () => {
    const t = connectionTimeline([down(23)], start, end);
    expect(t.bands).toEqual([
      { start, end: at(23), state: 'connected' },
      { start: at(23), end, state: 'disconnected' },
    ]);
    expect(t.reconnects).toEqual([]);
  });

  it('stays connected while another pod is still connected', () => {
    const t = connectionTimeline(
      [up(1, 'ns/a'), up(2, 'ns/b'), down(3, 'ns/a'), down(5, 'ns/b')],
      start,
      end,
    );
    expect(t.bands.map((b) => [b.state, (b.end - b.start) / hour])).toEqual([
      ['unknown', 1],
      ['connected', 4],
      ['disconnected', 19],
    ]);
  });

  it('ignores other kinds and events after the window, and uses what kas says now when there are none', () => {
    const noise = [{ kind: 'token_created', at: at(3) }, up(30)];
    expect(connectionTimeline(noise, start, end, true).bands).toEqual([{ start, end, state: 'connected' }]);
    expect(connectionTimeline(noise, start, end, false).connectedMs).toBe(0);
    expect(connectionTimeline([], start, end).bands).toEqual([{ start, end, state: 'unknown' }]);
  });

  it('draws nothing before the agent was registered: a new agent that never connected is not red all day', () => {
    const t = connectionTimeline([], start, end, false, at(22));
    expect(t.bands).toEqual([
      { start, end: at(22), state: 'unknown' },
      { start: at(22), end, state: 'disconnected' },
    ]);
    expect(timelineSummary(t)).toBe('connected 0 min of the last 24 h; 0 reconnects; no record for 22 h');
    // Registered before the window: every band stands as recorded.
    expect(connectionTimeline([down(2)], start, end, false, at(-5)).bands).toEqual([
      { start, end: at(2), state: 'connected' },
      { start: at(2), end, state: 'disconnected' },
    ]);
  });

  it('summarises minutes and plural reconnects', () => {
    const t = connectionTimeline(
      [down(1), up(1 + 20 / 60), down(2), up(2 + 10 / 60), down(4), up(4 + 20 / 60)],
      start,
      end,
    );
    expect(t.reconnects).toHaveLength(3);
    expect(timelineSummary(t)).toBe('connected 23 h 10 min of the last 24 h; 3 reconnects');
  });

  it('says "under 1 min" for a connection seconds old, not "0 min"', () => {
    const t = connectionTimeline([{ kind: 'agent_connected', at: end - 5_000, pod: 'ns/a' }], start, end);
    expect(timelineSummary(t)).toMatch(/^connected under 1 min of the last 24 h; 0 reconnects/);
  });
});
