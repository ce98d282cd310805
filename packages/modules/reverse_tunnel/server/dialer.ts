// The AgentDialer kas modules use: take an idle tunnel of the agent (or wait for one) and start one call on it.
import {
  AgentMethodNotServedError,
  AgentNotConnectedError,
  AgentStreamLimitError,
  type OpenCallOptions,
  type OutgoingCall,
  type ReservedTunnel,
  type StreamCounts,
  type TunnelDialer,
} from '../shared/tunnel-api';
import type { AgentApiMetrics } from './metrics';
import { type TunnelRegistry, TunnelWaitAbortedError, TunnelWaitTimeoutError } from './registry';
import type { ServerTunnel } from './server-tunnel';

export interface DialerOptions {
  registry: TunnelRegistry<ServerTunnel>;
  metrics: AgentApiMetrics;
  /** Default wait for a tunnel (20 s, MOORING_AGENT_ROUTING_TIMEOUT). */
  routingTimeoutMs: number;
  /** Last-seen time from elsewhere (the connection records) for agents this kas has not seen. */
  lastSeen?: (agentId: number) => Promise<Date | null>;
}

export function createAgentDialer(options: DialerOptions): TunnelDialer {
  const { registry, metrics } = options;
  const dialer: TunnelDialer = {
    async openCall(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<OutgoingCall> {
      return (await dialer.reserve(agentId, fullMethod, opts)).start();
    },
    async reserve(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<ReservedTunnel> {
      const started = performance.now();
      const elapsed = () => (performance.now() - started) / 1000;
      const counts = registry.counts(agentId);
      if (counts.idle === 0 && counts.active + counts.pending >= counts.limit) {
        metrics.routingWait('limit', elapsed());
        throw new AgentStreamLimitError(agentId, counts.limit);
      }
      if (registry.connectedWithoutMethod(agentId, fullMethod)) {
        metrics.routingWait('unimplemented', elapsed());
        throw new AgentMethodNotServedError(agentId, fullMethod);
      }
      const timeoutMs = opts.timeoutMs ?? options.routingTimeoutMs;
      let tunnel: ServerTunnel;
      try {
        tunnel = await registry.take(agentId, fullMethod, { signal: opts.signal, timeoutMs });
      } catch (error) {
        if (error instanceof TunnelWaitTimeoutError) {
          metrics.routingWait('timeout', elapsed());
          const lastSeen = registry.lastSeen(agentId) ?? (await lookup(options.lastSeen, agentId));
          throw new AgentNotConnectedError(agentId, lastSeen, timeoutMs);
        }
        if (error instanceof TunnelWaitAbortedError) metrics.routingWait('aborted', elapsed());
        throw error;
      }
      metrics.routingWait('found', elapsed());
      let used = false;
      return {
        start() {
          if (used) throw new Error('a reserved tunnel starts one call');
          used = true;
          return tunnel.startCall(fullMethod, opts.meta, opts.signal);
        },
        release() {
          if (used) return;
          used = true;
          // Back to the idle list (or to a caller waiting for one); a tunnel closed meanwhile is already gone.
          registry.release(tunnel);
        },
      };
    },
    streamCounts(agentId: number): StreamCounts {
      const c = registry.counts(agentId);
      return { idle: c.idle, active: c.active, limit: c.limit };
    },
  };
  return dialer;
}

async function lookup(
  source: ((agentId: number) => Promise<Date | null>) | undefined,
  agentId: number,
): Promise<Date | null> {
  if (!source) return null;
  try {
    return await source(agentId);
  } catch {
    return null;
  }
}
