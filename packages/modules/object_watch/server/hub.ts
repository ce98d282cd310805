// The object_watch hub (ObjectWatchHub): one upstream watch per WatchKey however many viewers share it, each viewer
// with its own bounded queue and visibility filter; an upstream ends `lingerMs` after its last viewer left, so a
// page reload or a second tab reuses it.
import { z } from 'zod';
import type { BackoffOptions } from '../../shared/backoff';
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { isRefusedResource, resourceNameSchema, watchRequestSchema } from '../shared/watch-api';
import { systemClock, type HubClock } from './clock';
import { newEpoch, parseEventId, partialId } from './event-id';
import type { ObjectWatchHub, ViewerEvent, ViewerOptions, WatchKey } from './hub-api';
import { Upstream, type HubLog, type UpstreamRestartReason, type UpstreamSync } from './upstream';
import { Viewer } from './viewer';

export const OBJECT_WATCH_HUB_DEFAULTS = {
  lingerMs: 60_000,
  viewerBufferEvents: 1_000,
  viewerBufferBytes: 4 * 1024 * 1024,
  maxUpstreamsPerAgent: 100,
  maxObjects: 50_000,
} as const;

export interface ObjectWatchHubOptions {
  dialer: AgentDialer;
  log: HubLog;
  clock?: HubClock;
  /** How long an upstream outlives its last viewer. */
  lingerMs?: number;
  /** What one viewer may fall behind before it gets a fresh snapshot instead; also the resume ring's size. */
  viewerBufferEvents?: number;
  viewerBufferBytes?: number;
  /** Upstream watches one agent may have on this kas; one more viewer key gets a status naming the setting. */
  maxUpstreamsPerAgent?: number;
  /** Objects one upstream may hold. */
  maxObjects?: number;
  backoff?: BackoffOptions;
  openTimeoutMs?: number;
  hooks?: HubHooks;
}

/** What the hub tells its metrics. */
export interface HubHooks {
  emitted?(type: ViewerEvent['type']): void;
  viewerReset?(): void;
  upstreamRestarted?(reason: UpstreamRestartReason): void;
  upstreamSynced?(how: UpstreamSync): void;
}

export interface RunningObjectWatchHub extends ObjectWatchHub {
  /** Objects held, by agent (metrics). */
  objectsByAgent(): Map<number, number>;
  /** Ends every upstream and viewer (kas stopping). */
  stop(): void;
}

export const watchKeySchema = z.strictObject({
  agentId: z.number().int().positive(),
  resource: resourceNameSchema.refine((r) => !isRefusedResource(r), {
    message: 'Secrets are never watched: their data does not leave the cluster this way',
  }),
  namespace: watchRequestSchema.shape.namespace,
  labelSelector: watchRequestSchema.shape.labelSelector,
  fieldSelector: watchRequestSchema.shape.fieldSelector,
});

export function createObjectWatchHub(options: ObjectWatchHubOptions): RunningObjectWatchHub {
  const o = {
    lingerMs: options.lingerMs ?? OBJECT_WATCH_HUB_DEFAULTS.lingerMs,
    viewerBufferEvents: options.viewerBufferEvents ?? OBJECT_WATCH_HUB_DEFAULTS.viewerBufferEvents,
    viewerBufferBytes: options.viewerBufferBytes ?? OBJECT_WATCH_HUB_DEFAULTS.viewerBufferBytes,
    maxUpstreamsPerAgent: options.maxUpstreamsPerAgent ?? OBJECT_WATCH_HUB_DEFAULTS.maxUpstreamsPerAgent,
    maxObjects: options.maxObjects ?? OBJECT_WATCH_HUB_DEFAULTS.maxObjects,
  };
  const clock = options.clock ?? systemClock;
  const upstreams = new Map<string, Upstream>();
  let stopped = false;

  const end = (id: string, upstream: Upstream) => {
    upstream.stop();
    for (const viewer of upstream.viewers) viewer.end();
    upstream.viewers.clear();
    if (upstreams.get(id) === upstream) upstreams.delete(id);
  };

  const lastViewerLeft = (id: string, upstream: Upstream) => {
    if (o.lingerMs <= 0) return end(id, upstream);
    upstream.lingerHandle = clock.setTimeout(() => {
      upstream.lingerHandle = null;
      if (upstream.viewers.size === 0) end(id, upstream);
    }, o.lingerMs);
  };

  return {
    watch(key: WatchKey, viewerOptions: ViewerOptions): AsyncIterable<ViewerEvent> {
      const parsed = watchKeySchema.safeParse(key);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `object_watch: bad watch key at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        );
      }
      // An empty selector selects everything, as an absent one: both share one upstream.
      const k: WatchKey = {
        ...parsed.data,
        labelSelector: parsed.data.labelSelector || undefined,
        fieldSelector: parsed.data.fieldSelector || undefined,
      };
      if (stopped || viewerOptions.signal.aborted) return ended([]);
      const id = JSON.stringify([k.agentId, k.resource, k.namespace, k.labelSelector, k.fieldSelector]);
      let upstream = upstreams.get(id);
      if (!upstream) {
        const open = [...upstreams.values()].filter((u) => u.key.agentId === k.agentId).length;
        if (open >= o.maxUpstreamsPerAgent)
          return ended([
            {
              type: 'status',
              state: 'error',
              message:
                `agent ${k.agentId} already has ${open} object watches open on this kas; close some views ` +
                'or raise MOORING_OBJECT_WATCH_MAX_UPSTREAMS_PER_AGENT',
              id: partialId(newEpoch(), 0, 'limit'),
            },
          ]);
        upstream = new Upstream({
          key: k,
          dialer: options.dialer,
          clock,
          log: options.log,
          maxObjects: o.maxObjects,
          ringEvents: o.viewerBufferEvents,
          ringBytes: o.viewerBufferBytes,
          backoff: options.backoff,
          openTimeoutMs: options.openTimeoutMs,
          restarted: options.hooks?.upstreamRestarted,
          synced: options.hooks?.upstreamSynced,
        });
        upstreams.set(id, upstream);
        upstream.start();
      }
      if (upstream.lingerHandle !== null) {
        clock.clearTimeout(upstream.lingerHandle);
        upstream.lingerHandle = null;
      }
      const viewer = new Viewer(
        upstream,
        viewerOptions.visible,
        { maxEvents: o.viewerBufferEvents, maxBytes: o.viewerBufferBytes },
        { emitted: options.hooks?.emitted, reset: options.hooks?.viewerReset },
      );
      const since = parseEventId(viewerOptions.sinceEventId);
      if (since && since.epoch === upstream.epoch && upstream.covers(since.seq))
        viewer.resumeFrom(since.seq, upstream.recent);
      else viewer.replayStatus();
      upstream.viewers.add(viewer);
      const owner = upstream;
      let detached = false;
      const detach = () => {
        if (detached) return;
        detached = true;
        viewerOptions.signal.removeEventListener('abort', detach);
        viewer.end();
        if (owner.viewers.delete(viewer) && owner.viewers.size === 0 && !owner.stopped)
          lastViewerLeft(id, owner);
      };
      viewerOptions.signal.addEventListener('abort', detach, { once: true });
      return once<ViewerEvent>(() => ({
        next: async (): Promise<IteratorResult<ViewerEvent>> => {
          const event = await viewer.next();
          return event ? { value: event, done: false } : { value: undefined, done: true };
        },
        return: async (): Promise<IteratorResult<ViewerEvent>> => {
          detach();
          return { value: undefined, done: true };
        },
      }));
    },
    stats() {
      let viewers = 0;
      for (const u of upstreams.values()) viewers += u.viewers.size;
      return { upstreams: upstreams.size, viewers };
    },
    objectsByAgent() {
      const byAgent = new Map<number, number>();
      for (const u of upstreams.values())
        byAgent.set(u.key.agentId, (byAgent.get(u.key.agentId) ?? 0) + u.state.size);
      return byAgent;
    },
    stop() {
      stopped = true;
      for (const [id, upstream] of [...upstreams]) {
        if (upstream.lingerHandle !== null) clock.clearTimeout(upstream.lingerHandle);
        end(id, upstream);
      }
    },
  };
}

function once<T>(make: () => AsyncIterator<T>): AsyncIterable<T> {
  let used = false;
  return {
    [Symbol.asyncIterator]() {
      if (used) throw new Error('a viewer stream can be read only once');
      used = true;
      return make();
    },
  };
}

function ended(events: ViewerEvent[]): AsyncIterable<ViewerEvent> {
  return once<ViewerEvent>(() => {
    const queue = [...events];
    return {
      next: async (): Promise<IteratorResult<ViewerEvent>> => {
        const event = queue.shift();
        return event ? { value: event, done: false } : { value: undefined, done: true };
      },
    };
  });
}
