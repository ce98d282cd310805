// What the registrar needs from storage. kas adapts its services (agentConnections.record/markDisconnected) to it.

export interface KubernetesVersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  platform: string;
}

export interface AgentPodConnection {
  agentId: number;
  podId: number;
  podName: string;
  podNamespace: string;
  agentVersion: string;
  agentCommit: string;
  kubernetesVersion: KubernetesVersionInfo | null;
  connectedAt: Date;
  lastSeen: Date;
  kasReplica: string;
  /** The configuration version last sent to the pod, as a string; null before any. */
  configVersion: string | null;
}

export interface AgentPodRef {
  agentId: number;
  podId: number;
  podName: string;
  podNamespace: string;
}

export interface AgentConnectionRecorder {
  /** Insert or refresh the pod's connection record; the store records agent_connected on first sight. */
  upsertConnection(connection: AgentPodConnection): Promise<void>;
  /** The pod went away (no tunnel for a while, or no heartbeat); the store records agent_disconnected. */
  markDisconnected(pod: AgentPodRef, reason: string): Promise<void>;
}

/** Keeps nothing: for a standalone agent listener (tests, benchmarks) with no database. */
export const noStorageRecorder: AgentConnectionRecorder = {
  upsertConnection: () => Promise.resolve(),
  markDisconnected: () => Promise.resolve(),
};
