// What the registrar needs from storage. kas adapts the services helper's recorders to this interface.

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
}

export type AgentActivityKind = 'agent_connected' | 'agent_disconnected';

export interface AgentConnectionRecorder {
  /** Insert or refresh the per-pod connection record (agent_connections). */
  upsertConnection(connection: AgentPodConnection): Promise<void>;
  /** Append an activity event (agent_activity). */
  recordActivity(event: {
    agentId: number;
    kind: AgentActivityKind;
    detail: Record<string, unknown>;
  }): Promise<void>;
}

/** Keeps nothing: for a standalone agent listener (tests, benchmarks) with no database. */
export const noStorageRecorder: AgentConnectionRecorder = {
  upsertConnection: () => Promise.resolve(),
  recordActivity: () => Promise.resolve(),
};
