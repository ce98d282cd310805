// ReverseTunnel on the shared agent server: the Connect service, the registry of idle tunnels, the dialer other kas
// modules call agents through, and the closing of a revoked token's tunnels. Knows no other module's methods.
import { status } from '@grpc/grpc-js';
import type { AgentServer } from '../../modserver/index';
import { REVOKED_MESSAGE } from '../../modserver/index';
import { TunnelService } from '../shared/frame-codec';
import type { TunnelDialer } from '../shared/tunnel-api';
import { createConnectHandler } from './connect-handler';
import { ConnectionAges } from './connection-ages';
import { createAgentDialer } from './dialer';
import { createAgentApiMetrics } from './metrics';
import { type PodTunnelsListener, TunnelRegistry } from './registry';
import type { ServerTunnel } from './server-tunnel';

export const REVERSE_TUNNEL_DEFAULTS = {
  streamsPerAgent: 500,
  routingTimeoutMs: 20_000,
} as const;

export interface ReverseTunnelOptions {
  /** Idle + active tunnel streams per agent (default 500). */
  streamsPerAgent?: number | ((agentId: number) => number);
  /** How long a call waits for a tunnel (default 20 s). */
  routingTimeoutMs?: number;
  /** Last-seen time for agents this kas has no tunnel of (the connection records), for "not connected" errors. */
  lastSeen?: (agentId: number) => Promise<Date | null>;
}

export interface ReverseTunnelServer {
  dialer: TunnelDialer;
  registry: TunnelRegistry<ServerTunnel>;
  /** Told after every change of a pod's tunnel counts (agent_registrar derives connected pods from it). */
  onPodTunnelsChanged(listener: PodTunnelsListener): () => void;
  /** Ends every tunnel of the agent (e.g. it was deleted). */
  closeAgent(agentId: number, reason: string): number;
  /** Refuses new tunnels and closes idle ones; calls in flight finish while the agent server drains. */
  stop(): void;
}

export function installReverseTunnel(
  agentServer: AgentServer,
  options: ReverseTunnelOptions = {},
): ReverseTunnelServer {
  const logger = agentServer.logger.child({ module: 'reverse_tunnel' });
  const streamsPerAgent = options.streamsPerAgent ?? REVERSE_TUNNEL_DEFAULTS.streamsPerAgent;
  const streamLimit = typeof streamsPerAgent === 'function' ? streamsPerAgent : () => streamsPerAgent;
  const registry = new TunnelRegistry<ServerTunnel>({ streamLimit });
  const metrics = createAgentApiMetrics(agentServer.metrics, registry);
  const dialer = createAgentDialer({
    registry,
    metrics,
    routingTimeoutMs: options.routingTimeoutMs ?? REVERSE_TUNNEL_DEFAULTS.routingTimeoutMs,
    lastSeen: options.lastSeen,
  });
  let stopped = false;
  const connect = createConnectHandler({
    registry,
    authenticate: (call) => agentServer.authenticate(call),
    metrics,
    logger,
    idleTunnelMaxAgeMs: agentServer.longPollMaxAgeMs,
    connectionAges: new ConnectionAges(),
    isRevoked: (tokenId) => agentServer.isRevoked(tokenId),
    isStopping: () => stopped,
  });
  agentServer.addService(TunnelService, { connect });

  const unsubscribeRevoked = agentServer.onRevoked(({ tokenId }) => {
    const tunnels = registry.tunnelsOfToken(tokenId);
    for (const tunnel of tunnels) {
      registry.unregister(tunnel);
      if (tunnel.state === 'idle') tunnel.fail(status.UNAUTHENTICATED, REVOKED_MESSAGE);
      else tunnel.close(REVOKED_MESSAGE);
    }
    logger.info({ token_id: tokenId, tunnels: tunnels.length }, 'closed the tunnels of a revoked token');
  });

  return {
    dialer,
    registry,
    onPodTunnelsChanged: (listener) => registry.onPodTunnelsChanged(listener),
    closeAgent(agentId, reason) {
      let closed = 0;
      for (const tunnel of registry.allTunnels())
        if (tunnel.agentId === agentId) {
          registry.unregister(tunnel);
          tunnel.close(reason);
          closed++;
        }
      return closed;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribeRevoked();
      for (const tunnel of registry.allTunnels())
        if (tunnel.state === 'idle') {
          registry.unregister(tunnel);
          tunnel.close('kas is shutting down');
        }
    },
  };
}
