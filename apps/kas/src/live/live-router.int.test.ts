// live.onAgents over real HTTP server-sent events: a snapshot first, then changes with event ids, and a
// reconnect with Last-Event-ID gets exactly what it missed.
import type { AddressInfo } from 'node:net';

import { createHTTPServer } from '@trpc/server/adapters/standalone';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Provided } from '../provided';
import { ServiceEvents } from '../services/events';
import type { TrpcContext } from '../trpc/init';
import { LiveFeed } from './live-feed';
import {
  createLiveRouter,
  type ActivityEvent,
  type AgentLiveState,
  type AgentsFeedValue,
} from './live-router';

const state = (agentId: number, pods: number): AgentLiveState => ({
  agentId,
  lastSeenAt: pods ? '2026-11-25T12:00:00.000Z' : null,
  disconnectReason: null,
  connections: Array.from({ length: pods }, (_, i) => ({
    podId: i + 1,
    podName: `agentk-${i}`,
    podNamespace: 'mooring-agent',
    agentVersion: 'v0.1.0',
    kubernetesVersion: 'v1.36.3',
    kasReplica: 'kas-0',
    connectedAt: '2026-11-25T12:00:00.000Z',
    lastSeenAt: '2026-11-25T12:00:00.000Z',
    configVersion: null,
    streams: { active: 0, idle: 4, limit: 10 },
  })),
  samples: {
    intervalMs: 60_000,
    from: '2026-11-25T12:00:00.000Z',
    kasStartedAt: '2026-11-25T12:00:00.000Z',
    values: [0],
  },
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads data events (not pings or control frames) from an SSE body, as many as asked for at a time. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const ready: SseEvent[] = [];
  return {
    async next(count: number): Promise<SseEvent[]> {
      while (ready.length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended after ${ready.length} of ${count} events`);
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of frame.split('\n')) {
            const [field, ...rest] = line.split(':');
            const text = rest.join(':').replace(/^ /, '');
            if (field === 'id') event.id = text;
            if (field === 'event') event.event = text;
            if (field === 'data') event.data = text;
          }
          if (!event.event && event.data !== undefined) ready.push(event);
        }
      }
      return ready.splice(0, count);
    },
    cancel: () => reader.cancel(),
  };
}

/** A signed-in caller's context, as the console API listener builds it (no database behind it). */
const contextFor =
  (principal: object) =>
  ({ req, res }: { req: unknown; res: unknown }) =>
    ({
      req,
      res,
      services: { events: new ServiceEvents() },
      provided: new Provided(),
      shutdown: new AbortController().signal,
      state: { principal, authError: undefined, logger: pino({ level: 'silent' }), traceId: 'test' },
    }) as unknown as TrpcContext;
const signedIn = {
  kind: 'session',
  user: { id: 1, username: 'dev', isAdmin: false },
  csrfValid: () => false,
};

describe('live router over SSE', () => {
  const agents = new LiveFeed<AgentsFeedValue>({ minIntervalMs: 0 });
  const activity = new LiveFeed<ActivityEvent>({ minIntervalMs: 0 });
  const current = new Map<number, AgentLiveState>([
    [1, state(1, 1)],
    [2, state(2, 0)],
    [3, state(3, 2)],
  ]);
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const router = createLiveRouter({
      // The caller may see agents 1 and 2, not 3.
      visibleAgentIds: async () => new Set([1, 2]),
      states: async (ids) => ids.map((id) => current.get(id)!).filter(Boolean),
      recentActivity: async () => [],
      agents,
      activity,
    });
    const server = createHTTPServer({ router, createContext: contextFor(signedIn) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    agents.stop();
    activity.stop();
    await close();
  });

  const subscribe = (input: object, lastEventId?: string) =>
    fetch(`${url}/onAgents?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    });

  it('answers the query with the visible agents only', async () => {
    const response = await fetch(`${url}/agents?input=${encodeURIComponent('{}')}`);
    const body = (await response.json()) as { result: { data: AgentLiveState[] } };
    expect(body.result.data.map((s) => s.agentId).sort()).toEqual([1, 2]);
  });

  it('sends a snapshot, then changes of visible agents, and resumes after Last-Event-ID', async () => {
    const first = await subscribe({});
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const events = sseReader(first.body!);
    // The snapshot arrives once the stream is subscribed to the feed (subscribe first, then snapshot); it starts
    // by telling the client to re-read the registry.
    const [resync, ...snapshot] = await events.next(3);
    expect(JSON.parse(resync!.data!)).toEqual({ registry: 'resync' });
    expect(snapshot.map((e) => JSON.parse(e.data!).agentId)).toEqual([1, 2]);
    agents.publish(3, state(3, 0)); // invisible to this caller
    agents.publish(2, state(2, 1));
    const [change] = await events.next(1);
    await events.cancel();
    expect(JSON.parse(change!.data!)).toMatchObject({ agentId: 2, connections: [{ podName: 'agentk-0' }] });

    // Disconnected; meanwhile agent 1 loses its pod. The reconnect carries the last id it saw.
    agents.publish(1, state(1, 0));
    const again = sseReader((await subscribe({}, change!.id)).body!);
    const [missed] = await again.next(1);
    await again.cancel();
    expect(JSON.parse(missed!.data!)).toMatchObject({ agentId: 1, connections: [] });
    expect(Number(missed!.id)).toBeGreaterThan(Number(change!.id));
  });

  it('refuses a caller who is not signed in', async () => {
    const router = createLiveRouter({
      visibleAgentIds: async () => new Set(),
      states: async () => [],
      recentActivity: async () => [],
      agents,
      activity,
    });
    const server = createHTTPServer({ router, createContext: contextFor({ kind: 'anonymous' }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/agents?input=%7B%7D`,
      );
      expect(response.status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
