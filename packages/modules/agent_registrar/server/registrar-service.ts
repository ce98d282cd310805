// AgentRegistrar.Register on kas: the agentk heartbeat.
import { type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { RegisterRequest, RegisterResponse } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { Logger } from 'pino';
import type { AgentMeta } from '@mooring/proto/gen/mooring/rpc/rpc';
import { AgentCallError } from '../../modserver/index';
import type { ConnectedAgents, PodMeta } from './connected-agents';

/**
 * Kubernetes' own limits for what a pod reports about itself (a pod name is a DNS subdomain, a namespace a DNS
 * label), and short bounds for the version strings: an agent token must not be able to make kas keep megabytes.
 */
export const POD_META_LIMITS = {
  podName: 253,
  podNamespace: 63,
  version: 128,
  commitId: 64,
  kubernetesVersionField: 64,
} as const;

/**
 * The registrar's view of proto AgentMeta (also sent when agentk opens its configuration stream). Throws an
 * AgentCallError (INVALID_ARGUMENT) naming the field when a value is missing or longer than Kubernetes allows.
 */
export function podMetaFromProto(meta: AgentMeta | undefined): PodMeta {
  if (!meta?.podName || !meta.podNamespace)
    throw new AgentCallError(
      status.INVALID_ARGUMENT,
      'agent_meta.pod_name and agent_meta.pod_namespace are required; set POD_NAME and POD_NAMESPACE for agentk',
    );
  const check = (field: string, value: string, max: number) => {
    if (value.length > max)
      throw new AgentCallError(
        status.INVALID_ARGUMENT,
        `agent_meta.${field} is ${value.length} characters long; at most ${max} are allowed (Kubernetes' own limit for names): ` +
          `give agentk a valid ${field.replace(/_/g, ' ')}`,
      );
  };
  check('pod_name', meta.podName, POD_META_LIMITS.podName);
  check('pod_namespace', meta.podNamespace, POD_META_LIMITS.podNamespace);
  check('version', meta.version, POD_META_LIMITS.version);
  check('commit_id', meta.commitId, POD_META_LIMITS.commitId);
  const kv = meta.kubernetesVersion;
  if (kv)
    for (const [field, value] of Object.entries({
      major: kv.major,
      minor: kv.minor,
      git_version: kv.gitVersion,
      platform: kv.platform,
    }))
      check(`kubernetes_version.${field}`, value, POD_META_LIMITS.kubernetesVersionField);
  return {
    podName: meta.podName,
    podNamespace: meta.podNamespace,
    agentVersion: meta.version,
    agentCommit: meta.commitId,
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
      const podMeta = podMetaFromProto(meta);
      try {
        await deps.connectedAgents.heartbeat(agentId, req.podId, podMeta);
      } catch (error) {
        if (error instanceof AgentCallError) throw error;
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
