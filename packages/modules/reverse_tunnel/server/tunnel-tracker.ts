// The tunnel tracker: which kas replicas hold tunnels of an agent, so a replica without one can route a request to
// one that has (kas-to-kas routing reads `kasUrlsFor`). One replica (no REDIS_URL) keeps it in process; several share
// it in Redis (redis-tunnel-tracker.ts). The registry's pod counts feed it (trackPodTunnels): an agent is registered
// while any of its pods has a tunnel here.
import type { PodTunnelsListener } from './registry';

export interface TunnelTracker {
  /** This replica's name, as the other replicas see it in `kasUrlsFor`. */
  readonly self: string;
  /** This replica holds tunnels of the agent (idempotent). */
  register(agentId: number): void;
  /** This replica holds no tunnel of the agent any more (idempotent). */
  unregister(agentId: number): void;
  /** Whether this replica holds tunnels of the agent (no I/O). */
  holds(agentId: number): boolean;
  /**
   * The replicas holding tunnels of the agent whose entries have not expired, this one included when it holds some.
   * Rejects when the shared store cannot answer (the reason names it).
   */
  kasUrlsFor(agentId: number): Promise<string[]>;
  /** Replicas that heartbeat (this one included); one replica: only this one. */
  liveReplicas(): Promise<string[]>;
  /** Stops refreshing and removes this replica's entries (a stopping kas; its agents dial another replica). */
  stop(): Promise<void>;
}

/** One replica: the tracker is this process's memory. */
export function inProcessTunnelTracker(self: string): TunnelTracker {
  const held = new Set<number>();
  return {
    self,
    register: (agentId) => void held.add(agentId),
    unregister: (agentId) => void held.delete(agentId),
    holds: (agentId) => held.has(agentId),
    kasUrlsFor: async (agentId) => (held.has(agentId) ? [self] : []),
    liveReplicas: async () => [self],
    async stop() {
      held.clear();
    },
  };
}

/**
 * Feeds the tracker from the registry's pod counts: the agent is registered when its first pod gets a tunnel here
 * and unregistered when its last pod has none. Returns the listener to pass to onPodTunnelsChanged.
 */
export function trackPodTunnels(tracker: TunnelTracker): PodTunnelsListener {
  const podsWithTunnels = new Map<number, Set<number>>();
  return (agentId, podId, counts) => {
    let pods = podsWithTunnels.get(agentId);
    if (counts.idle + counts.active > 0) {
      if (!pods) podsWithTunnels.set(agentId, (pods = new Set()));
      pods.add(podId);
      tracker.register(agentId);
    } else if (pods?.delete(podId) && pods.size === 0) {
      podsWithTunnels.delete(agentId);
      tracker.unregister(agentId);
    }
  };
}
