import { describe, expect, it } from 'vitest';

import { ConnectionMonitor, type ConnectionStatus } from './connection';

/** A monitor with a hand-driven clock and timers, probing a scripted list of outcomes. */
function scripted(outcomes: ConnectionStatus[]) {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  const probes: number[] = [];
  const monitor = new ConnectionMonitor({
    now: () => now,
    probe: async () => {
      probes.push(now);
      const status = outcomes.shift() ?? 'ok';
      return { status, detail: status === 'ok' ? null : `probe saw ${status}` };
    },
    setTimer: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimer: (t) => timers.splice(timers.indexOf(t as (typeof timers)[number]), 1),
    backoff: { jitter: 0 },
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    monitor,
    probes,
    settle,
    /** Moves the clock to the next timer and runs it. */
    async fireNext() {
      const timer = timers.sort((a, b) => a.at - b.at).shift();
      if (!timer) throw new Error('no timer pending');
      now = timer.at;
      timer.fn();
      await settle();
    },
    pending: () => timers.length,
    now: () => now,
  };
}

describe('ConnectionMonitor', () => {
  it('says who cannot be reached since the first failed probe, and probes again with backoff', async () => {
    const s = scripted(['kas-unreachable', 'kas-unreachable', 'kas-unreachable', 'ok']);
    const answered = s.monitor.whenAnswered();
    await s.settle();
    const since = s.now();
    expect(s.monitor.current).toMatchObject({
      status: 'kas-unreachable',
      since,
      nextAttemptAt: since + 1_000,
    });
    await s.fireNext();
    expect(s.monitor.current).toMatchObject({ since, nextAttemptAt: s.now() + 1_600 });
    await s.fireNext();
    expect(s.monitor.current.nextAttemptAt).toBe(s.now() + 2_560);
    await s.fireNext();
    expect(s.monitor.current).toEqual({ status: 'ok', since: null, nextAttemptAt: null, detail: null });
    expect(await answered).toBe(true);
    expect(s.pending()).toBe(0);
  });

  it('reports the console server when even the console does not answer', async () => {
    const s = scripted(['console-unreachable', 'kas-unreachable']);
    s.monitor.lost();
    await s.settle();
    const since = s.now();
    expect(s.monitor.current).toMatchObject({
      status: 'console-unreachable',
      detail: 'probe saw console-unreachable',
    });
    await s.fireNext();
    // The console is back, kas not yet: the outage goes on, since the same moment.
    expect(s.monitor.current).toMatchObject({ status: 'kas-unreachable', since });
  });

  it('resolves without an outage when the first probe finds both answering', async () => {
    const s = scripted(['ok']);
    let recovered = 0;
    s.monitor.onRecovered(() => recovered++);
    expect(await s.monitor.whenAnswered()).toBe(false);
    expect(recovered).toBe(0);
    expect(s.monitor.current.status).toBe('ok');
  });

  it('ends the outage when any call reaches kas, and runs the recovery listeners once', async () => {
    const s = scripted(['kas-unreachable']);
    let recovered = 0;
    s.monitor.onRecovered(() => recovered++);
    const answered = s.monitor.whenAnswered();
    await s.settle();
    s.monitor.lost(); // more failures while down probe nothing extra
    await s.settle();
    expect(s.probes).toHaveLength(1);
    s.monitor.reached();
    expect(await answered).toBe(true);
    expect(recovered).toBe(1);
    expect(s.pending()).toBe(0);
  });

  it('probes at once on "Retry now" instead of waiting for the backoff', async () => {
    const s = scripted(['kas-unreachable', 'ok']);
    s.monitor.lost();
    await s.settle();
    s.monitor.retryNow();
    await s.settle();
    expect(s.probes).toEqual([s.now(), s.now()]);
    expect(s.monitor.current.status).toBe('ok');
  });

  it('checks the console before a navigation after a quiet spell, joining a probe under way', async () => {
    const s = scripted(['console-unreachable', 'kas-unreachable']);
    expect(s.monitor.heardFromConsoleWithin(10_000)).toBe(false);
    const [first, joined] = [s.monitor.checkConsole(), s.monitor.checkConsole()];
    expect(await first).toBe(false);
    expect(await joined).toBe(false);
    expect(s.probes).toHaveLength(1);
    expect(s.monitor.current.status).toBe('console-unreachable');
    // The next check does not wait for the backoff; a console that answers (even without kas) counts as heard.
    expect(await s.monitor.checkConsole()).toBe(true);
    expect(s.monitor.current.status).toBe('kas-unreachable');
    expect(s.monitor.heardFromConsoleWithin(10_000)).toBe(true);
  });
});
