// kas metrics of the reverse tunnel. Per-agent series are capped (top N by tunnel count) to bound label sets.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface TunnelMetricsSource {
  agents(): Iterable<{ agentId: number; idle: number; active: number }>;
}

export interface AgentApiMetrics {
  routingWait(outcome: 'found' | 'timeout' | 'aborted' | 'limit' | 'unimplemented', seconds: number): void;
  connectRejected(reason: 'unauthenticated' | 'limit' | 'protocol' | 'cancelled'): void;
}

export function createAgentApiMetrics(
  registry: Registry,
  source: TunnelMetricsSource,
  opts: { topAgents?: number } = {},
): AgentApiMetrics {
  const topAgents = opts.topAgents ?? 20;
  const tunnels = new Gauge({
    name: 'mooring_kas_tunnels',
    help: 'Reverse tunnel streams held by this kas, summed over all agents',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      let idle = 0;
      let active = 0;
      for (const a of source.agents()) {
        idle += a.idle;
        active += a.active;
      }
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'active' }, active);
    },
  });
  void tunnels;
  new Gauge({
    name: 'mooring_kas_tunnels_by_agent',
    help: `Reverse tunnel streams of the ${topAgents} agents with the most tunnels (bounded label set)`,
    labelNames: ['agent_id', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const all = [...source.agents()].sort((a, b) => b.idle + b.active - (a.idle + a.active));
      for (const a of all.slice(0, topAgents)) {
        this.set({ agent_id: String(a.agentId), state: 'idle' }, a.idle);
        this.set({ agent_id: String(a.agentId), state: 'active' }, a.active);
      }
    },
  });
  new Gauge({
    name: 'mooring_kas_connected_agents',
    help: 'Agents with at least one open tunnel to this kas',
    registers: [registry],
    collect() {
      let n = 0;
      for (const a of source.agents()) if (a.idle + a.active > 0) n++;
      this.set(n);
    },
  });
  const wait = new Histogram({
    name: 'mooring_kas_tunnel_routing_wait_seconds',
    help: 'Time a call waited for an idle tunnel of its agent, by outcome',
    labelNames: ['outcome'],
    buckets: [0.001, 0.004, 0.016, 0.064, 0.256, 1, 4, 16.4],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'mooring_kas_tunnel_connect_rejected_total',
    help: 'Tunnel Connect streams refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    routingWait(outcome, seconds) {
      wait.observe({ outcome }, seconds);
    },
    connectRejected(reason) {
      rejected.inc({ reason });
    },
  };
}
