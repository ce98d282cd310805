import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clockTicksPerSecond, cpuSeconds, parseProcStat } from './proc-stat';

describe('parseProcStat', () => {
  it('reads utime and stime counted after the command name', () => {
    const line =
      '4242 (node) S 1 4242 4242 0 -1 4194560 9611 0 12 0 731 154 0 0 20 0 11 0 1234 1161023488 23000 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 4242, state: 'S', utime: 731, stime: 154 });
  });

  it('is not misled by spaces and parentheses in the command name', () => {
    const line = '77 (a b) (c)) R 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0';
    expect(parseProcStat(line)).toMatchObject({ pid: 77, state: 'R', utime: 5, stime: 6 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S 1 2')).toThrow(/not a \/proc/);
  });

  it('parses this process', () => {
    const stat = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(stat.utime + stat.stime).toBeGreaterThan(0);
    const [seconds] = cpuSeconds([process.pid], clockTicksPerSecond());
    expect(seconds).toBeGreaterThan(0);
  });
});
