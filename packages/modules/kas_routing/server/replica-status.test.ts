import { describe, expect, it } from 'vitest';
import { publishedStatusSchema, reasonOf, summaryOf, truncateLines } from './replica-status';

const status = {
  url: 'grpc://kas-1:8155',
  ready: false,
  readiness: ['[+] database ok', '[-] redis failed: Redis at redis://r:6379 is not reachable'],
  agents: 3,
  tunnels: 12,
  at: 1_000_000,
};

describe('replica status', () => {
  it('gives the failed /readyz lines as the reason, none when ready', () => {
    expect(reasonOf(status)).toBe('[-] redis failed: Redis at redis://r:6379 is not reachable');
    expect(reasonOf({ ready: false, readiness: ['shutting down'] })).toBe('shutting down');
    expect(reasonOf({ ...status, ready: true })).toBeNull();
  });

  it('lists a fresh entry as it reported, a silent one as not reporting with its last report', () => {
    const stored = { name: 'kas-1:8150', url: 'grpc://kas-1:8155', status };
    expect(summaryOf(stored, status.at + 15_000, 15_000)).toMatchObject({
      state: 'not_ready',
      agents: 3,
      tunnels: 12,
      lastSeenAt: new Date(status.at),
    });
    const silent = summaryOf(stored, status.at + 40_000, 15_000);
    expect(silent.state).toBe('not_reporting');
    expect(silent.reason).toMatch(/^no report for 40 s: .*check its process and \/readyz$/);
    expect(silent.readiness).toEqual(status.readiness);
  });

  it('names an address without a status and an unreadable status', () => {
    expect(summaryOf({ name: 'a', url: 'grpc://a:8155', status: null }, 0, 15_000)).toMatchObject({
      state: 'not_reporting',
      lastSeenAt: null,
      reason: expect.stringMatching(/no status yet/),
    });
    expect(summaryOf({ name: 'a', url: null, status: null, unreadable: true }, 0, 15_000).reason).toMatch(
      /unreadable .*same kas version on every replica/,
    );
  });

  it('bounds what a replica writes, and what a reader accepts', () => {
    const lines = truncateLines(Array.from({ length: 30 }, () => 'x'.repeat(600)));
    expect(lines).toHaveLength(20);
    expect(lines[0]).toHaveLength(500);
    expect(publishedStatusSchema.safeParse({ ...status, readiness: lines }).success).toBe(true);
    expect(publishedStatusSchema.safeParse({ ...status, readiness: [...lines, 'one more'] }).success).toBe(
      false,
    );
    expect(publishedStatusSchema.safeParse({ ...status, agents: -1 }).success).toBe(false);
  });
});
