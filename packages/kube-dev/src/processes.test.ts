import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { lastLogLines, liveGroupMembers, startProcess, stopProcessGroups } from './processes';

const dir = mkdtempSync(join(tmpdir(), 'kube-dev-processes-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stops a whole process group, including children that ignore SIGTERM', async () => {
  const logPath = join(dir, 'group.log');
  // The leader starts a child that ignores SIGTERM, so only the SIGKILL after the grace period ends it.
  const leader = startProcess({
    component: 'test-group',
    command: '/bin/sh',
    args: ['-c', `sh -c 'trap "" TERM; echo child-started; while :; do sleep 0.1; done' & wait`],
    logPath,
  });
  await expect.poll(() => lastLogLines(logPath), { timeout: 5_000 }).toContain('child-started');
  expect(liveGroupMembers(leader.pid).length).toBeGreaterThanOrEqual(2);
  await stopProcessGroups([leader.pid], 300);
  expect(liveGroupMembers(leader.pid)).toEqual([]);
});

it('reports the last lines of a log, or says there is none', async () => {
  expect(await lastLogLines(join(dir, 'missing.log'))).toBe('(no log file)');
});
