// The limits of the object_watch hub that viewers and agents can reach (docs/security.md, "Limits and their
// defaults"): every one answers with a message naming its setting, and none lets kas's memory grow without bound.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../../shared/testing/until';
import type { ObjectRow } from '../../shared/watch-api';
import type { ViewerEvent, WatchKey } from '../hub-api';
import { createObjectWatchHub, type ObjectWatchHubOptions } from '../hub';
import { AgentDialerTestDouble } from '../testing/agent-dialer-test-double';
import { ManualClock } from '../testing/manual-clock';

const KEY: WatchKey = { agentId: 7, resource: 'pods' };
const row = (uid: string): ObjectRow => ({
  uid,
  name: `p${uid}`,
  namespace: 'shop',
  resourceVersion: '1',
  createdAt: '2026-12-03T07:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: {},
});

function world(options: Partial<ObjectWatchHubOptions> = {}) {
  const dialer = new AgentDialerTestDouble([7]);
  const clock = new ManualClock();
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  return { dialer, clock, log, hub: createObjectWatchHub({ dialer, clock, log, ...options }) };
}

function read(stream: AsyncIterable<ViewerEvent>) {
  const events: ViewerEvent[] = [];
  let ended = false;
  void (async () => {
    for await (const e of stream) events.push(e);
    ended = true;
  })();
  return {
    events,
    get ended() {
      return ended;
    },
  };
}

describe('object_watch hub limits', () => {
  it('refuses malformed keys and Secrets before any upstream opens', () => {
    const { hub, dialer } = world();
    const signal = new AbortController().signal;
    expect(() => hub.watch({ ...KEY, resource: 'secrets' }, { signal })).toThrow(/Secrets are never watched/);
    expect(() => hub.watch({ ...KEY, resource: 'v1/secrets' }, { signal })).toThrow(
      /Secrets are never watched/,
    );
    expect(() => hub.watch({ ...KEY, resource: 'Pods!' }, { signal })).toThrow(/bad watch key at resource/);
    expect(() => hub.watch({ ...KEY, labelSelector: 'a'.repeat(2_000) }, { signal })).toThrow(
      /labelSelector/,
    );
    expect(() => hub.watch({ ...KEY, agentId: -1 }, { signal })).toThrow(/agentId/);
    expect(() => hub.watch({ ...KEY, extra: 1 } as WatchKey, { signal })).toThrow(/bad watch key/);
    expect(dialer.attempts).toBe(0);
    expect(hub.stats()).toEqual({ upstreams: 0, viewers: 0 });
  });

  it('bounds the upstream watches per agent, naming the setting; an empty selector shares the upstream of none', async () => {
    const { hub } = world({ maxUpstreamsPerAgent: 2 });
    const signal = new AbortController().signal;
    read(hub.watch({ ...KEY, namespace: 'a' }, { signal }));
    read(hub.watch({ ...KEY, namespace: 'a', labelSelector: '' }, { signal }));
    read(hub.watch({ ...KEY, namespace: 'b' }, { signal }));
    const third = read(hub.watch({ ...KEY, namespace: 'c' }, { signal }));
    await until('the refusal', () => third.ended);
    expect(third.events).toEqual([
      expect.objectContaining({
        type: 'status',
        state: 'error',
        message: expect.stringMatching(
          /agent 7 already has 2 object watches.*MOORING_OBJECT_WATCH_MAX_UPSTREAMS_PER_AGENT/,
        ),
      }),
    ]);
    // Another agent has its own budget.
    read(hub.watch({ ...KEY, agentId: 8 }, { signal }));
    expect(hub.stats()).toEqual({ upstreams: 3, viewers: 4 });
    hub.stop();
    expect(hub.stats()).toEqual({ upstreams: 0, viewers: 0 });
  });

  it('holds at most MOORING_OBJECT_WATCH_MAX_OBJECTS rows for a watch and says so', async () => {
    const { hub, dialer, clock } = world({ maxObjects: 100 });
    const v = read(hub.watch(KEY, { signal: new AbortController().signal }));
    await until('the upstream call', () => dialer.calls.length === 1);
    const call = dialer.calls[0]!;
    call.reply({ type: 'snapshot', rows: Array.from({ length: 80 }, (_, i) => row(`a${i}`)), last: false });
    call.reply({
      type: 'snapshot',
      rows: Array.from({ length: 80 }, (_, i) => row(`b${i}`)),
      last: true,
      version: '9',
    });
    await until('the status', () => v.events.length === 1);
    expect(v.events[0]).toMatchObject({
      type: 'status',
      state: 'too_many',
      message: expect.stringMatching(/too many objects \(160 > 100\).*MOORING_OBJECT_WATCH_MAX_OBJECTS/),
    });
    expect(call.cancelled).not.toBeNull();
    expect(hub.objectsByAgent().get(7)).toBe(0);
    // It retries (the agent's config may be narrowed), without repeating the same status.
    await until('a retry', () => {
      clock.advance(5_000);
      return dialer.calls.length === 2;
    });
    dialer.calls[1]!.reply({
      type: 'snapshot',
      rows: Array.from({ length: 101 }, (_, i) => row(`c${i}`)),
      last: true,
    });
    await until('the second call to end', () => dialer.calls[1]!.cancelled !== null);
    expect(v.events).toHaveLength(1);
    hub.stop();
  });

  it('ends a call whose message is over the size limit or not the contract, and logs it', async () => {
    const { hub, dialer, log } = world();
    read(hub.watch(KEY, { signal: new AbortController().signal }));
    await until('the upstream call', () => dialer.calls.length === 1);
    dialer.calls[0]!.replyBytes(new Uint8Array(4 * 1024 * 1024 + 1));
    await until('the call to be cancelled', () => dialer.calls[0]!.cancelled !== null);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ error: expect.stringMatching(/over the 4194304-byte limit/) }),
      expect.stringMatching(/bad message from agentk/),
    );
    hub.stop();
  });
});
