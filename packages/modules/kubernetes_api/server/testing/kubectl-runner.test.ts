import { describe, expect, it } from 'vitest';
import { retryingUpstreamSpdyStdinLoss, type KubectlRun } from './kubectl-runner';

function runs(...results: KubectlRun[]) {
  let calls = 0;
  const run = async () => results[Math.min(calls++, results.length - 1)]!;
  return { run, calls: () => calls };
}

const lost: KubectlRun = { stdout: '', stderr: '', code: 0 };
const good: KubectlRun = { stdout: 'hello world', stderr: '', code: 0 };

describe('retryingUpstreamSpdyStdinLoss', () => {
  it('runs again after the exact upstream loss (exit 0, nothing on stdout or stderr)', async () => {
    const r = runs(lost, good);
    expect(await retryingUpstreamSpdyStdinLoss(r.run)).toEqual(good);
    expect(r.calls()).toBe(2);
  });

  it('returns anything else at once: an error, partial output, a message on stderr', async () => {
    for (const other of [
      { stdout: '', stderr: 'error: unable to upgrade connection', code: 1 },
      { stdout: 'hello', stderr: '', code: 0 },
      { stdout: '', stderr: 'warning', code: 0 },
    ]) {
      const r = runs(other, good);
      expect(await retryingUpstreamSpdyStdinLoss(r.run)).toEqual(other);
      expect(r.calls()).toBe(1);
    }
  });

  it('gives up after the given number of runs, returning the loss', async () => {
    const r = runs(lost);
    expect(await retryingUpstreamSpdyStdinLoss(r.run, 3)).toEqual(lost);
    expect(r.calls()).toBe(3);
  });
});
