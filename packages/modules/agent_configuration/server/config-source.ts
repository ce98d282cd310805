// Where GetConfiguration reads an agent's live configuration and learns that it changed.

export interface LiveAgentConfig {
  /** Opaque, changes whenever the configuration does (e.g. the agent_configs row id). */
  version: string;
  yaml: string;
  /** The validated configuration as a plain object. */
  config: unknown;
}

export interface AgentConfigSource {
  /** The newest valid configuration, or null when the agent has none. */
  current(agentId: number): Promise<LiveAgentConfig | null>;
  /** Calls `listener` whenever the agent's configuration may have changed; returns the unsubscribe function. */
  subscribe(agentId: number, listener: () => void): () => void;
}

/**
 * A source over a loader, told about changes through `notifyConfigChanged(agentId)` (call it after a config is
 * saved, or from a pub/sub message of another replica).
 */
export class NotifyingConfigSource implements AgentConfigSource {
  private readonly listeners = new Map<number, Set<() => void>>();

  constructor(private readonly load: (agentId: number) => Promise<LiveAgentConfig | null>) {}

  current(agentId: number): Promise<LiveAgentConfig | null> {
    return this.load(agentId);
  }

  subscribe(agentId: number, listener: () => void): () => void {
    let set = this.listeners.get(agentId);
    if (!set) this.listeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(agentId);
    };
  }

  notifyConfigChanged(agentId: number): void {
    for (const listener of [...(this.listeners.get(agentId) ?? [])]) listener();
  }

  subscriberCount(agentId: number): number {
    return this.listeners.get(agentId)?.size ?? 0;
  }
}

/** Every agent has no configuration: for a standalone agent listener. */
export const noConfigSource: AgentConfigSource = {
  current: () => Promise.resolve(null),
  subscribe: () => () => undefined,
};
