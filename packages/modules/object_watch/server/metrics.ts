// kas metrics of object_watch. The per-agent series are capped (top N by objects held) to bound label sets, as the
// tunnel's are; every other label comes from a closed set.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubHooks, RunningObjectWatchHub } from './hub';
import type { ViewerEvent } from './hub-api';
import type { UpstreamRestartReason, UpstreamSync } from './upstream';

export interface ObjectWatchMetrics {
  /** What the hub reports into (createObjectWatchHub's `hooks`). */
  readonly hooks: HubHooks;
  /** SubjectAccessReview answers for viewers served from the cache (the console API's RBAC check increments it). */
  readonly sarCacheHits: Counter;
  /** SubjectAccessReviews sent to agentk because the cache had no answer. */
  readonly sarCacheMisses: Counter;
}

const EVENT_TYPES: ViewerEvent['type'][] = ['snapshot', 'deltas', 'resumed', 'status'];
const RESTART_REASONS: UpstreamRestartReason[] = ['ended', 'broken', 'bad_message', 'not_connected'];
const SYNCS: UpstreamSync[] = ['snapshot', 'resumed', 'reconciled'];

export function createObjectWatchMetrics(
  registry: Registry,
  hub: () => RunningObjectWatchHub | null,
  opts: { topAgents?: number } = {},
): ObjectWatchMetrics {
  const topAgents = opts.topAgents ?? 20;
  new Gauge({
    name: 'mooring_kas_object_watch_upstreams',
    help: 'Upstream object watches this kas holds open to agents (one per agent, resource, namespace and selectors)',
    registers: [registry],
    collect() {
      this.set(hub()?.stats().upstreams ?? 0);
    },
  });
  new Gauge({
    name: 'mooring_kas_object_watch_viewers',
    help: 'Viewers attached to upstream object watches',
    registers: [registry],
    collect() {
      this.set(hub()?.stats().viewers ?? 0);
    },
  });
  new Gauge({
    name: 'mooring_kas_object_watch_objects',
    help: 'Objects (rows) kas holds for its upstream object watches, summed over all agents',
    registers: [registry],
    collect() {
      let total = 0;
      for (const n of hub()?.objectsByAgent().values() ?? []) total += n;
      this.set(total);
    },
  });
  new Gauge({
    name: 'mooring_kas_object_watch_objects_by_agent',
    help: `Objects kas holds for the ${topAgents} agents with the most (bounded label set)`,
    labelNames: ['agent_id'],
    registers: [registry],
    collect() {
      this.reset();
      const all = [...(hub()?.objectsByAgent() ?? [])].sort((a, b) => b[1] - a[1]);
      for (const [agentId, n] of all.slice(0, topAgents)) this.set({ agent_id: String(agentId) }, n);
    },
  });
  const events = new Counter({
    name: 'mooring_kas_object_watch_events_total',
    help: 'Object watch events sent to viewers (each viewer counts), by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const byType = new Map(EVENT_TYPES.map((type) => [type, events.labels({ type })]));
  const resets = new Counter({
    name: 'mooring_kas_object_watch_viewer_resets_total',
    help: 'Viewers that fell behind and got a fresh snapshot instead of the events they missed',
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'mooring_kas_object_watch_upstream_restarts_total',
    help: 'Upstream object watches reopened, by reason (ended, broken, bad_message, not_connected)',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of RESTART_REASONS) restarts.inc({ reason }, 0);
  const syncs = new Counter({
    name: 'mooring_kas_object_watch_upstream_syncs_total',
    help: 'Upstream object watch calls that caught up, by how (snapshot: the first; resumed: from the last version; reconciled: a new snapshot diffed against what viewers have)',
    labelNames: ['how'],
    registers: [registry],
  });
  for (const how of SYNCS) syncs.inc({ how }, 0);
  const sarCacheHits = new Counter({
    name: 'mooring_kas_object_watch_sar_cache_hits_total',
    help: "Viewers' SubjectAccessReview answers served from kas's cache",
    registers: [registry],
  });
  const sarCacheMisses = new Counter({
    name: 'mooring_kas_object_watch_sar_cache_misses_total',
    help: 'SubjectAccessReviews kas sent through an agent because its cache had no answer',
    registers: [registry],
  });
  return {
    hooks: {
      emitted: (type) => byType.get(type)?.inc(),
      viewerReset: () => resets.inc(),
      upstreamRestarted: (reason) => restarts.inc({ reason }),
      upstreamSynced: (how) => syncs.inc({ how }),
    },
    sarCacheHits,
    sarCacheMisses,
  };
}
