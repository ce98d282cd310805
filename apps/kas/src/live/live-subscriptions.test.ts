// live.onAgents / live.onActivity called in-process (tRPC's caller, no HTTP) over a source the test drives:
// what arrives, in which order, when a change lands while the snapshot is read, and when a consumer falls behind.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KasServices } from '../api/services-adapter';
import { Provided } from '../provided';
import { ServiceEvents } from '../services/events';
import { STREAM_LIMITS, type StreamLimits } from '../trpc/event-stream';
import { t, type TrpcContext } from '../trpc/init';
import { LiveFeed } from './live-feed';
import { createLiveRouter } from './live-router';
import type {
  ActivityEvent,
  AgentLiveState,
  AgentsFeedEvent,
  AgentsFeedValue,
  LiveSource,
} from './live-schemas';

const samples = {
  intervalMs: 60_000,
  from: '2026-11-25T12:00:00.000Z',
  kasStartedAt: '2026-11-25T12:00:00.000Z',
  values: [0],
};
const state = (agentId: number, reason: string | null = null): AgentLiveState => ({
  agentId,
  connections: [],
  lastSeenAt: null,
  disconnectReason: reason,
  samples,
});
const created = (agentId: number) => ({
  registry: 'created' as const,
  agent: {
    id: agentId,
    projectId: 1,
    projectPath: 'platform/prod',
    name: `agent-${agentId}`,
    receptive: false,
    createdBy: 1,
    createdByUsername: 'admin',
    createdAt: '2026-11-25T12:00:00.000Z',
  },
});
const deleted = (agentId: number) => ({ registry: 'deleted' as const, agentId });
const resync = { registry: 'resync' };

const row = (id: number, agentId = 1): ActivityEvent => ({
  id,
  agentId,
  kind: 'token_created',
  actorId: null,
  details: {},
  createdAt: '2026-11-25T12:00:00.000Z',
});

function world(options: { limits?: StreamLimits } = {}) {
  const agents = new LiveFeed<AgentsFeedValue>({ minIntervalMs: 0 });
  const activity = new LiveFeed<ActivityEvent>({ minIntervalMs: 0 });
  const current = new Map([
    [1, state(1)],
    [2, state(2)],
  ]);
  const rows: ActivityEvent[] = [row(2), row(1)];
  const hooks = { duringStates: () => {}, duringRecentActivity: () => {} };
  const visible = new Set([1, 2]);
  const source: LiveSource = {
    visibleAgentIds: async () => new Set(visible),
    async states(ids) {
      const snapshot = ids.map((id) => current.get(id)!);
      hooks.duringStates();
      return snapshot;
    },
    async recentActivity(_ctx, agentId, limit) {
      const newest = rows.filter((r) => r.agentId === agentId).slice(0, limit);
      hooks.duringRecentActivity();
      return newest;
    },
    agents,
    activity,
  };
  const provided = new Provided();
  if (options.limits) provided.set(STREAM_LIMITS, options.limits);
  const ctx = {
    req: { headers: {}, socket: { remoteAddress: '127.0.0.1' } },
    res: { setHeader: () => undefined, getHeader: () => undefined },
    state: {
      traceId: 'test',
      logger: pino({ level: 'silent' }),
      principal: {
        kind: 'session',
        user: { id: 1, username: 'dev', isAdmin: false },
        sessionToken: 'unused',
        csrfValid: () => false,
      },
      authError: undefined,
      csrfHeader: undefined,
      route: 'test',
    },
    services: { events: new ServiceEvents() } as unknown as KasServices,
    kasInfo: { agentAddress: () => undefined, proxyEndpoint: () => null },
    shutdown: new AbortController().signal,
    provided,
  } as unknown as TrpcContext;
  const caller = t.createCallerFactory(createLiveRouter(source))(ctx);
  return { agents, activity, current, rows, hooks, caller, visible };
}

/** The caller hands over tracked(id, data) envelopes; pull one as {id, data}. */
async function pull<T>(events: AsyncIterator<unknown>): Promise<{ id: string; data: T }> {
  const { value, done } = await events.next();
  if (done) throw new Error('the stream ended');
  const [id, data] = value as [string, T];
  return { id, data };
}

describe('live.onAgents', () => {
  it('delivers a change that happens while the snapshot is being read', async () => {
    const w = world();
    // The change lands after the snapshot's states were read, before the client pulled anything.
    w.hooks.duringStates = () => {
      w.hooks.duringStates = () => {};
      w.current.set(2, state(2, 'token revoked'));
      w.agents.publish(2, state(2, 'token revoked'));
    };
    const events = (await w.caller.onAgents({}))[Symbol.asyncIterator]();
    expect((await pull(events)).data).toEqual(resync);
    const snapshot = [await pull<AgentLiveState>(events), await pull<AgentLiveState>(events)];
    expect(snapshot.map((e) => e.data)).toEqual([state(1), state(2)]);
    const change = await pull<AgentLiveState>(events);
    expect(change.data).toEqual(state(2, 'token revoked'));
    expect(Number(change.id)).toBeGreaterThan(Number(snapshot[0]!.id));
    await events.return?.();
  });

  it('sends a fresh snapshot instead of the events a consumer fell too far behind on', async () => {
    const w = world({ limits: { maxEvents: 3, maxBytes: 1 << 20 } });
    const events = (await w.caller.onAgents({}))[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await pull(events);
    // The consumer stalls while agent 1 changes ten times.
    for (let i = 1; i <= 10; i++) {
      w.current.set(1, state(1, `change ${i}`));
      w.agents.publish(1, state(1, `change ${i}`));
    }
    // A snapshot again, starting with the resync marker: registry changes may have been among the dropped.
    expect((await pull(events)).data).toEqual(resync);
    const fresh = [await pull<AgentLiveState>(events), await pull<AgentLiveState>(events)];
    expect(fresh.map((e) => e.data)).toEqual([state(1, 'change 10'), state(2)]);
    expect(fresh[0]!.id).toBe(String(w.agents.lastId));
    w.agents.publish(2, state(2, 'after'));
    expect((await pull<AgentLiveState>(events)).data).toEqual(state(2, 'after'));
    await events.return?.();
  });
});

describe('live.onAgents registry changes', () => {
  it('announces a new agent to a viewer who may see it and a deleted one to a viewer who saw it', async () => {
    const w = world();
    const events = (await w.caller.onAgents({}))[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await pull(events);
    // Agent 3 is registered where this viewer may not look; agent 4 where it may.
    w.agents.publishNow(3, created(3));
    w.visible.add(4);
    w.agents.publishNow(4, created(4));
    expect((await pull<AgentsFeedEvent>(events)).data).toEqual(created(4));
    // Deleted: agent 3 was never shown (no event), agent 4 and agent 1 were.
    w.visible.delete(3);
    w.agents.publishNow(3, deleted(3));
    w.visible.delete(4);
    w.agents.publishNow(4, deleted(4));
    w.visible.delete(1);
    w.agents.publishNow(1, deleted(1));
    expect((await pull<AgentsFeedEvent>(events)).data).toEqual(deleted(4));
    expect((await pull<AgentsFeedEvent>(events)).data).toEqual(deleted(1));
    await events.return?.();
  });

  it('answers a reconnect whose missed events hold a registry change with a fresh snapshot', async () => {
    const w = world();
    const first = (await w.caller.onAgents({}))[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await pull(first);
    w.agents.publish(2, state(2, 'later'));
    const seen = await pull<AgentsFeedEvent>(first);
    await first.return?.();
    w.visible.delete(2);
    w.agents.publishNow(2, deleted(2));
    const again = (await w.caller.onAgents({ lastEventId: seen.id }))[Symbol.asyncIterator]();
    expect((await pull(again)).data).toEqual(resync);
    expect((await pull<AgentsFeedEvent>(again)).data).toEqual(state(1));
    await again.return?.();
  });
});

describe('live.onActivity', () => {
  it('starts with a reset of the newest rows, then sends each new row once, including one committed meanwhile', async () => {
    const w = world();
    w.hooks.duringRecentActivity = () => {
      w.hooks.duringRecentActivity = () => {};
      w.activity.publish(1, row(3));
    };
    const events = (await w.caller.onActivity({ agentId: 1 }))[Symbol.asyncIterator]();
    const reset = await pull<{ reset: true; rows: ActivityEvent[] }>(events);
    expect(reset.data).toEqual({ reset: true, rows: [row(2), row(1)] });
    w.activity.publish(2, row(10, 2)); // another agent's row
    w.activity.publish(1, row(2)); // already in the reset
    w.activity.publish(1, row(4));
    expect((await pull<ActivityEvent>(events)).data).toEqual(row(3));
    expect((await pull<ActivityEvent>(events)).data).toEqual(row(4));
    await events.return?.();
  });

  it('answers a consumer too far behind with the newest rows and a reset marker', async () => {
    const w = world({ limits: { maxEvents: 5, maxBytes: 1 << 20 } });
    const events = (await w.caller.onActivity({ agentId: 1 }))[Symbol.asyncIterator]();
    await pull(events);
    for (let id = 3; id <= 100; id++) {
      w.rows.unshift(row(id));
      w.activity.publish(1, row(id));
    }
    const reset = await pull<{ reset: true; rows: ActivityEvent[] }>(events);
    expect(reset.data.reset).toBe(true);
    expect(reset.data.rows.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => 100 - i));
    w.rows.unshift(row(101));
    w.activity.publish(1, row(101));
    expect((await pull<ActivityEvent>(events)).data).toEqual(row(101));
    await events.return?.();
  });

  it('refuses an agent the caller may not see', async () => {
    const w = world();
    await expect(
      (async () => {
        for await (const _ of await w.caller.onActivity({ agentId: 3 })) break;
      })(),
    ).rejects.toThrow(/agent 3 not found/);
  });
});
