// In-process events other parts of kas subscribe to: the tunnel closes an agent's streams when its
// token is revoked or the agent deleted; the config stream pushes a new configuration at once.
// Listeners run synchronously after the change committed; a throwing listener is isolated.

export interface TokenRevokedEvent {
  tokenId: number;
  agentId: number;
}
export interface AgentDeletedEvent {
  agentId: number;
  projectId: number;
}
export interface ConfigChangedEvent {
  agentId: number;
  version: number;
}

type Listener<E> = (event: E) => void;

class Topic<E> {
  private readonly listeners = new Set<Listener<E>>();
  subscribe(listener: Listener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: E, onError: (err: unknown) => void): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        onError(err);
      }
    }
  }
}

export class ServiceEvents {
  readonly tokenRevoked = new Topic<TokenRevokedEvent>();
  readonly agentDeleted = new Topic<AgentDeletedEvent>();
  readonly configChanged = new Topic<ConfigChangedEvent>();
  constructor(readonly onListenerError: (err: unknown) => void = () => undefined) {}
}
