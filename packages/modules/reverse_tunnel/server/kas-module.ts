// The reverse tunnel as a kas module: registers ReverseTunnel on kas's shared agent server and hands the dialer to
// the modules that call agents (kubernetes_api, ...). Typed structurally against apps/kas/src/module.ts (KasModule)
// so the module does not import the app. Its settings come from the options, else kas's settings table (settings.ts).
import { hostname } from 'node:os';
import type { AgentServer } from '../../modserver/index';
import type { RedisConnection } from '../../shared/redis-connection';
import { settingValues } from '../../shared/settings';
import type { AgentDialer } from '../shared/tunnel-api';
import { redisTunnelTracker } from './redis-tunnel-tracker';
import { reverseTunnelSettings } from './settings';
import { inProcessTunnelTracker, trackPodTunnels, type TunnelTracker } from './tunnel-tracker';
import { installReverseTunnel, type ReverseTunnelServer } from './tunnel-service';

/** The parts of kas's services the tunnel uses (see apps/kas/src/services). */
export interface ReverseTunnelServices {
  agentConnections: {
    listInternal(
      agentId: number,
      opts?: { includeDisconnected?: boolean },
    ): Promise<Array<{ lastSeenAt: Date }>>;
  };
  events?: { agentDeleted?: { subscribe(listener: (e: { agentId: number }) => void): () => void } };
}

/** The parts of kas's KasModuleContext the tunnel uses. */
export interface ReverseTunnelModuleContext {
  /** kas's parsed settings, this module's contribution included (reverse_tunnel/server/settings.ts). */
  config: object;
  agentServer: AgentServer;
  services: ReverseTunnelServices;
  /** The shared Redis (REDIS_URL): the tunnel tracker lives there; in process when unset. */
  redis?: RedisConnection;
  /** This replica's name in the tracker (kas: host and agent port). */
  replica?: string;
}

export interface ReverseTunnelModuleOptions {
  streamsPerAgent?: number;
  routingTimeoutMs?: number;
}

export interface ReverseTunnelKasModule {
  readonly name: 'reverse_tunnel';
  readonly settings: typeof reverseTunnelSettings;
  start(ctx: ReverseTunnelModuleContext): Promise<void>;
  stop(): Promise<void>;
  /** For the modules that call agents (kubernetes_api): available once start() resolved. */
  dialer(): AgentDialer;
  /** The running tunnel server (agent_registrar, tests): available once start() resolved. */
  tunnels(): ReverseTunnelServer;
  /** Which replicas hold tunnels of an agent (kas-to-kas routing, the console): available once start() resolved. */
  tracker(): TunnelTracker;
}

export function createReverseTunnelKasModule(
  options: ReverseTunnelModuleOptions = {},
): ReverseTunnelKasModule {
  let tunnels: ReverseTunnelServer | null = null;
  let tracker: TunnelTracker | null = null;
  const unsubscribe: Array<() => void> = [];
  const started = () => {
    if (!tunnels) throw new Error('the reverse_tunnel module has not started yet');
    return tunnels;
  };
  return {
    name: 'reverse_tunnel',
    settings: reverseTunnelSettings,
    async start(ctx) {
      const settings = settingValues(reverseTunnelSettings, ctx.config);
      const { services } = ctx;
      const running = installReverseTunnel(ctx.agentServer, {
        streamsPerAgent: options.streamsPerAgent ?? settings.agentStreamLimit,
        routingTimeoutMs:
          options.routingTimeoutMs ??
          (settings.agentRoutingTimeout ? settings.agentRoutingTimeout * 1000 : undefined),
        lastSeen: async (agentId) => {
          const rows = await services.agentConnections.listInternal(agentId, { includeDisconnected: true });
          return rows.reduce<Date | null>(
            (latest, r) => (!latest || r.lastSeenAt > latest ? r.lastSeenAt : latest),
            null,
          );
        },
      });
      tunnels = running;
      const self = ctx.replica ?? `${hostname()}:${process.pid}`;
      const logger = ctx.agentServer.logger.child({ module: 'tunnel_tracker' });
      const tracking = ctx.redis
        ? redisTunnelTracker({
            redis: ctx.redis,
            self,
            ttlMs: settings.tunnelTrackerTtl ? settings.tunnelTrackerTtl * 1000 : undefined,
            log: (level, fields, message) => logger[level](fields, message),
          })
        : inProcessTunnelTracker(self);
      tracker = tracking;
      unsubscribe.push(running.onPodTunnelsChanged(trackPodTunnels(tracking)));
      // A deleted agent's tokens are gone: close its streams like a revocation.
      const agentDeleted = services.events?.agentDeleted;
      if (agentDeleted)
        unsubscribe.push(
          agentDeleted.subscribe(
            ({ agentId }) => void running.closeAgent(agentId, `agent ${agentId} was deleted`),
          ),
        );
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      tunnels?.stop();
      await tracker?.stop();
    },
    dialer: () => started().dialer,
    tunnels: started,
    tracker: () => {
      if (!tracker) throw new Error('the reverse_tunnel module has not started yet');
      return tracker;
    },
  };
}
