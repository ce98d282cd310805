// AgentRegistrar on the shared agent server, and the connected pods it keeps (fed by Register heartbeats, the
// configuration stream's pod meta and the tunnel's pod counts).
import { AgentRegistrarService } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { AgentServer } from '../../modserver/index';
import type { PodTunnelsListener } from '../../reverse_tunnel/server/index';
import { ConnectedAgents } from './connected-agents';
import { type AgentConnectionRecorder, noStorageRecorder } from './recorder';
import { createRegisterHandler } from './registrar-service';

export const AGENT_REGISTRAR_DEFAULTS = {
  disconnectAfterMs: 5_000,
  maxPodsPerAgent: 100,
} as const;

export interface AgentRegistrarOptions {
  recorder?: AgentConnectionRecorder;
  /** Name of this kas replica in connection records. */
  kasReplica: string;
  /** A pod with no tunnel for this long is disconnected (activity agent_disconnected). */
  disconnectAfterMs?: number;
  /** Pods one agent may have connected to this kas (default 100); Register and GetConfiguration refuse more. */
  maxPodsPerAgent?: number;
  /** The tunnel's pod counts: a pod is connected while it has tunnels. */
  onPodTunnelsChanged?: (listener: PodTunnelsListener) => () => void;
}

export interface AgentRegistrarServer {
  connectedAgents: ConnectedAgents;
  /** Marks this kas's pods disconnected (their agentk dials another replica) and stops the timers. */
  stop(): Promise<void>;
}

export function installAgentRegistrar(
  agentServer: AgentServer,
  options: AgentRegistrarOptions,
): AgentRegistrarServer {
  const logger = agentServer.logger.child({ module: 'agent_registrar' });
  const connectedAgents = new ConnectedAgents({
    recorder: options.recorder ?? noStorageRecorder,
    kasReplica: options.kasReplica,
    logger,
    disconnectAfterMs: options.disconnectAfterMs ?? AGENT_REGISTRAR_DEFAULTS.disconnectAfterMs,
    maxPodsPerAgent: options.maxPodsPerAgent ?? AGENT_REGISTRAR_DEFAULTS.maxPodsPerAgent,
  });
  const stopPodEvents = options.onPodTunnelsChanged?.((agentId, podId, counts) =>
    connectedAgents.tunnelsChanged(agentId, podId, counts),
  );
  agentServer.addService(AgentRegistrarService, {
    register: createRegisterHandler({
      authenticate: (call) => agentServer.authenticate(call),
      connectedAgents,
      logger,
    }),
  });
  const unsubscribeRevoked = agentServer.onRevoked(({ tokenId, agentId }) => {
    if (agentId !== undefined && connectedAgents.list(agentId).length > 0)
      connectedAgents.noteDisconnectReason(agentId, `its token (id ${tokenId}) was revoked`);
  });
  return {
    connectedAgents,
    async stop() {
      unsubscribeRevoked();
      stopPodEvents?.();
      await connectedAgents.stop('kas stopped');
    },
  };
}
