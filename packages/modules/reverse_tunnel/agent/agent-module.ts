// The reverse tunnel as an agentk module: keeps the pool of tunnel streams to kas open, serving the handlers the
// other modules registered (ctx.registerTunnelHandler). It opens streams only once every module has started, so
// the first descriptor kas sees already lists every method.
import { Gauge } from 'prom-client';
import type { AgentModule } from '../../modagent/index';
import type { TunnelHandlerRegistry } from './handler-registry';
import { TunnelClient } from '../shared/frame-codec';
import { startReverseTunnelAgent } from './index';
import type { TunnelPool, TunnelPoolStats } from './tunnel-pool';

export interface ReverseTunnelAgentModuleOptions {
  /** The registry agentk's ctx.registerTunnelHandler fills. */
  handlers: TunnelHandlerRegistry;
  /** Tunnel streams this pod keeps at most (idle + active). */
  maxStreams?: number;
  pool?: {
    minIdle?: number;
    scaleUpStep?: number;
    maxIdleTimeMs?: number;
    backoffInitialMs?: number;
    backoffMaxMs?: number;
  };
}

export interface ReverseTunnelAgentModule extends AgentModule {
  readonly name: 'reverse_tunnel';
  /** The pool's counts (zero before the pool opened). */
  stats(): TunnelPoolStats;
}

export function createReverseTunnelAgentModule(
  options: ReverseTunnelAgentModuleOptions,
): ReverseTunnelAgentModule {
  let pool: TunnelPool | null = null;
  let stats: TunnelPoolStats = { connecting: 0, idle: 0, active: 0, total: 0 };
  let stopped = false;
  return {
    name: 'reverse_tunnel',
    stats: () => pool?.stats() ?? stats,
    async start(ctx) {
      new Gauge({
        name: 'mooring_agentk_tunnels',
        help: 'Tunnel streams of this agentk pod by state (connecting, idle, active)',
        labelNames: ['state'],
        registers: [ctx.metrics],
        collect() {
          this.set({ state: 'connecting' }, stats.connecting);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'active' }, stats.active);
        },
      });
      new Gauge({
        name: 'mooring_agentk_calls_in_flight',
        help: 'Calls from kas being served through the tunnel right now',
        registers: [ctx.metrics],
        collect() {
          this.set(stats.active);
        },
      });
      const tunnelClient = new TunnelClient(ctx.kas.target, ctx.kas.credentials, ctx.kas.clientOptions);
      void ctx.allStarted.then(() => {
        if (stopped) return;
        pool = startReverseTunnelAgent({
          client: tunnelClient,
          metadata: () => ctx.kas.metadata(),
          handlers: options.handlers,
          podId: ctx.pod.podId,
          logger: ctx.logger,
          maxTunnels: options.maxStreams,
          minIdle: options.pool?.minIdle,
          scaleUpStep: options.pool?.scaleUpStep,
          maxIdleTimeMs: options.pool?.maxIdleTimeMs,
          backoff: { initialMs: options.pool?.backoffInitialMs, maxMs: options.pool?.backoffMaxMs },
          onChange: (s) => (stats = s),
          failures: ctx.kas.failures,
        });
      });
    },
    async stop(graceMs) {
      stopped = true;
      // The client shares agentk's channel to kas, which agentk closes after every module stopped.
      await pool?.stop(graceMs);
    },
  };
}
