import { describe, expect, it } from 'vitest';

import { concurrencyLimit } from './concurrency-limit';

/** A task the test finishes by hand. */
function deferred() {
  let finish!: (value: string) => void;
  let started = false;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return {
    task: () => {
      started = true;
      return promise;
    },
    finish: (value: string) => finish(value),
    started: () => started,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('concurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the next in order as one ends', async () => {
    const limit = concurrencyLimit(2);
    const tasks = [deferred(), deferred(), deferred(), deferred()];
    const results = tasks.map((t) => limit.run(t.task));
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false]);
    expect([limit.running, limit.waiting]).toEqual([2, 2]);
    tasks[1]!.finish('b');
    await expect(results[1]).resolves.toBe('b');
    await tick();
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false]);
    tasks[0]!.finish('a');
    tasks[2]!.finish('c');
    await tick();
    expect(tasks[3]!.started()).toBe(true);
    tasks[3]!.finish('d');
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect([limit.running, limit.waiting]).toEqual([0, 0]);
  });

  it('frees the slot when a task fails', async () => {
    const limit = concurrencyLimit(1);
    const failing = limit.run(() => Promise.reject(new Error('kas said no')));
    const after = deferred();
    const second = limit.run(after.task);
    await expect(failing).rejects.toThrow('kas said no');
    await tick();
    expect(after.started()).toBe(true);
    after.finish('ok');
    await expect(second).resolves.toBe('ok');
  });

  it('drops a waiting task whose signal aborts, without running it', async () => {
    const limit = concurrencyLimit(1);
    const first = deferred();
    const waiting = deferred();
    const abort = new AbortController();
    void limit.run(first.task);
    const dropped = limit.run(waiting.task, abort.signal);
    expect(limit.waiting).toBe(1);
    abort.abort(new Error('row left the screen'));
    await expect(dropped).rejects.toThrow('row left the screen');
    expect(limit.waiting).toBe(0);
    first.finish('done');
    await tick();
    expect(waiting.started()).toBe(false);
    expect(limit.running).toBe(0);
  });

  it('refuses a task whose signal already aborted, and a limit below 1', async () => {
    const limit = concurrencyLimit(1);
    const abort = new AbortController();
    abort.abort(new Error('gone'));
    const never = deferred();
    await expect(limit.run(never.task, abort.signal)).rejects.toThrow('gone');
    expect(never.started()).toBe(false);
    expect(() => concurrencyLimit(0)).toThrow('≥ 1');
  });
});
