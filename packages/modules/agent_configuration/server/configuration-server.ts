// AgentConfiguration on the shared agent server: the GetConfiguration long poll, and the closing of a revoked
// token's streams. Tells agent_registrar (through `pods`) which pod opened a stream and which version it got.
import { status } from '@grpc/grpc-js';
import { AgentConfigurationService } from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import { type AgentServer, REVOKED_MESSAGE } from '../../modserver/index';
import { type ConnectedAgents, podMetaFromProto } from '../../agent_registrar/server/index';
import { type AgentConfigSource, noConfigSource } from './config-source';
import { type ConfigStreamHandle, createGetConfigurationHandler } from './configuration-service';

export interface AgentConfigurationOptions {
  source?: AgentConfigSource;
  /** The connected pods (agent_registrar): a stream's pod is admitted and recorded, and its config version noted. */
  pods?: Pick<ConnectedAgents, 'admit' | 'heartbeat' | 'configSent'>;
  /** Configuration streams one pod may hold open (default 2). */
  maxStreamsPerPod?: number;
}

export interface AgentConfigurationServer {
  /** Open streams right now. */
  openStreams(): number;
  /** Ends every open stream cleanly (agentk re-opens it, on another replica when kas is stopping). */
  stop(): void;
}

export function installAgentConfiguration(
  agentServer: AgentServer,
  options: AgentConfigurationOptions = {},
): AgentConfigurationServer {
  const logger = agentServer.logger.child({ module: 'agent_configuration' });
  const streams = new Set<ConfigStreamHandle>();
  const pods = options.pods;
  agentServer.addService(AgentConfigurationService, {
    getConfiguration: createGetConfigurationHandler({
      authenticate: (call) => agentServer.authenticate(call),
      source: options.source ?? noConfigSource,
      logger,
      maxStreamAgeMs: agentServer.longPollMaxAgeMs,
      maxStreamsPerPod: options.maxStreamsPerPod,
      openStreams: streams,
      onSent: (agentId, podId, version) => pods?.configSent(agentId, podId, version),
      onOpened: (agentId, request) => {
        if (!pods || !request.podId || !request.agentMeta?.podName) return;
        const meta = podMetaFromProto(request.agentMeta);
        pods.admit(agentId, request.podId);
        pods
          .heartbeat(agentId, request.podId, meta)
          .catch((error: unknown) =>
            logger.warn({ err: error, agent_id: agentId }, 'could not record the connection of a pod'),
          );
      },
    }),
  });
  const unsubscribeRevoked = agentServer.onRevoked(({ tokenId }) => {
    let closed = 0;
    for (const stream of [...streams])
      if (stream.tokenId === tokenId) {
        stream.close(status.UNAUTHENTICATED, REVOKED_MESSAGE);
        closed++;
      }
    logger.info(
      { token_id: tokenId, config_streams: closed },
      'closed the configuration streams of a revoked token',
    );
  });
  return {
    openStreams: () => streams.size,
    stop() {
      unsubscribeRevoked();
      for (const stream of [...streams]) stream.close(status.OK, 'kas is shutting down');
    },
  };
}
