import { describe, expect, it } from 'vitest';
import { buildTable, formatSpread, markdownTable, spread, type PathFigures, type Repetition } from './table';

const figures = (over: Partial<PathFigures>): PathFigures => ({
  proto: 'HTTP/1.1',
  p50Us: 1000,
  p99Us: 2000,
  rps: 1000,
  cpuUsPerRequest: 100,
  cpuParts: {},
  listMiBps: 100,
  logMiBps: 200,
  ...over,
});

const rep = (scale: number, mooringProto = 'HTTP/1.1'): Repetition => ({
  direct: figures({ p50Us: 1000 * scale }),
  mooring: figures({
    proto: mooringProto,
    p50Us: 1500 * scale,
    rps: 500,
    cpuUsPerRequest: 800,
    cpuParts: { kas: 500, agentk: 300 },
    listMiBps: 50,
  }),
  remotedialer: figures({ p50Us: 900 * scale, rps: 800, cpuParts: { server: 60, agent: 40 } }),
});

describe('spread', () => {
  it('is the median and range of the repetitions', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([5])).toEqual({ median: 5, min: 5, max: 5 });
    expect(() => spread([])).toThrow(/no values/);
  });

  it('prints the unit once', () => {
    expect(formatSpread({ median: 2, min: 1, max: 3.4 }, (n) => `${Math.round(n)} µs`)).toBe('2 µs [1–3]');
  });
});

describe('buildTable', () => {
  const options = { listMiB: 95, logMiB: 100, workers: 16, http2: false };

  it('compares each tunnel path with the direct path of the same repetition', () => {
    const table = buildTable([rep(1), rep(2), rep(3)], options);
    const row = (label: string) =>
      table
        .split('\n')
        .find((l) => l.includes(label))!
        .split('|')
        .map((c) => c.trim())
        .slice(2, -1);
    // Added p50 per rep: 500, 1000, 1500 µs; remotedialer −100, −200, −300 µs.
    expect(row('small GET p50')).toEqual([
      '2000 µs [1000–3000]',
      '+1000 µs [500–1500] (3000 µs)',
      '−200 µs [−300–−100] (1800 µs)',
    ]);
    expect(row('16 concurrent')).toEqual([
      '1000 req/s [1000–1000]',
      '50 % [50–50] (500 req/s)',
      '80 % [80–80] (800 req/s)',
    ]);
    expect(row('CPU per request')).toEqual([
      '100 µs [100–100]',
      '800 µs [800–800] (kas 500 + agentk 300)',
      '100 µs [100–100] (server 60 + agent 40)',
    ]);
    expect(row('ConfigMap LIST ~95 MiB')[1]).toBe('50 % [50–50] (50.0 MiB/s)');
    expect(table.split('\n')[0]).toMatch(/median \[min–max\] of 3 reps.*Mooring.*remotedialer/);
  });

  it('shows server RSS per idle agent for the tunnels only, and no such row when it did not run', () => {
    const idle = (r: Repetition, mooring: number, remotedialer: number): Repetition => ({
      ...r,
      mooring: { ...r.mooring, idleRssKiB: mooring },
      remotedialer: { ...r.remotedialer, idleRssKiB: remotedialer },
    });
    const table = buildTable([idle(rep(1), 100, 45), idle(rep(2), 110, 44), idle(rep(3), 90, 46)], {
      ...options,
      idleAgents: 1000,
    });
    const line = table.split('\n').find((l) => l.includes('server RSS per idle agent (1000 agents, TLS)'))!;
    expect(
      line
        .split('|')
        .map((c) => c.trim())
        .slice(2, -1),
    ).toEqual(['–', '100.0 KiB [90.0–110.0]', '45.0 KiB [44.0–46.0]']);
    expect(buildTable([rep(1)], options)).not.toContain('idle agent');
  });

  it('says h1 only when --http2 was asked and a path did not negotiate it', () => {
    const table = buildTable([rep(1, 'HTTP/1.1')], { ...options, http2: true });
    expect(table.split('\n')[2]).toMatch(/^\| protocol +\| h1 only \(HTTP\/1\.1\) +\| h1 only/);
    const h2 = buildTable([rep(1, 'HTTP/2.0')], { ...options, http2: true });
    expect(h2.split('\n')[2]).toContain('| HTTP/2.0 ');
  });
});

describe('markdownTable', () => {
  it('pads every column to its widest cell', () => {
    expect(markdownTable(['a', 'bb'], [['ccc', 'µ']])).toBe('| a   | bb |\n|-----|----|\n| ccc | µ  |');
  });
});
