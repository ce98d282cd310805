// AgentRegistrar.Register on kas: the agentk heartbeat.
import { type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { RegisterRequest, RegisterResponse } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { Logger } from 'pino';
import type { AgentMeta } from '@mooring/proto/gen/mooring/rpc/rpc';
import type { ConnectedAgents, PodMeta } from './connected-agents';

/** The registrar's view of proto AgentMeta (also sent when agentk opens its configuration stream). */
export function podMetaFromProto(meta: AgentMeta | undefined): PodMeta {
  const kv = meta?.kubernetesVersion;
  return {
    podName: meta?.podName ?? '',
    podNamespace: meta?.podNamespace ?? '',
    agentVersion: meta?.version ?? '',
    agentCommit: meta?.commitId ?? '',
    kubernetesVersion: kv
      ? { major: kv.major, minor: kv.minor, gitVersion: kv.gitVersion, platform: kv.platform }
      : null,
  };
}

export interface AuthenticatedAgent {
  agentId: number;
}

export function createRegisterHandler(deps: {
  authenticate: (call: ServerUnaryCall<unknown, unknown>) => Promise<AuthenticatedAgent>;
  connectedAgents: ConnectedAgents;
  logger: Logger;
}) {
  return (
    call: ServerUnaryCall<RegisterRequest, RegisterResponse>,
    callback: sendUnaryData<RegisterResponse>,
  ) => {
    void (async () => {
      const { agentId } = await deps.authenticate(call);
      const req = call.request;
      const meta = req.agentMeta;
      if (!Number.isSafeInteger(req.podId) || req.podId <= 0)
        throw Object.assign(new Error('pod_id must be a positive integer below 2^53'), {
          code: status.INVALID_ARGUMENT,
        });
      if (!meta?.podName || !meta.podNamespace)
        throw Object.assign(new Error('agent_meta.pod_name and agent_meta.pod_namespace are required'), {
          code: status.INVALID_ARGUMENT,
        });
      try {
        await deps.connectedAgents.heartbeat(agentId, req.podId, podMetaFromProto(meta));
      } catch (error) {
        deps.logger.error({ err: error, agent_id: agentId }, 'could not record the agent connection');
        throw Object.assign(new Error('kas could not record the connection right now; agentk will retry'), {
          code: status.UNAVAILABLE,
        });
      }
      callback(null, {});
    })().catch((error: { code?: number; message: string }) => {
      callback({ code: error.code ?? status.INTERNAL, details: error.message, message: error.message });
    });
  };
}
