// In-process events other parts of kas subscribe to: the tunnel closes an agent's streams when its
// token is revoked or the agent deleted; the config stream pushes a new configuration at once; the console's
// live subscriptions get every activity row and registry change (agent registered or deleted), and re-check the
// viewer's rights when they may have changed.
// Services emit only after the change committed (never from inside a transaction, which may still roll back);
// listeners run synchronously; a throwing listener is isolated.
import type { ActivityEvent } from './agent-activity';
import type { AgentInfo } from './agents';

export interface TokenRevokedEvent {
  tokenId: number;
  agentId: number;
}
export interface AgentCreatedEvent {
  agent: AgentInfo;
}
export interface AgentDeletedEvent {
  agentId: number;
  projectId: number;
}
export interface ConfigChangedEvent {
  agentId: number;
  version: number;
}
/** What a user may see or do may have changed: open streams of these users re-authorize (see trpc/from-subscriptions.ts). */
export interface AccessChangedEvent {
  /** The users concerned, or everyone (e.g. an agent or a project went away). */
  userIds: readonly number[] | 'everyone';
  /** For logs: "membership removed", "personal access token revoked", … */
  reason: string;
}

type Listener<E> = (event: E) => void;

/** Shared by the topics of one ServiceEvents: how deep in deliveries (listeners emitting) we are. */
interface RelayScope {
  depth: number;
}

export class Topic<E> {
  private readonly listeners = new Set<Listener<E>>();
  private relay: Listener<E> | undefined;
  constructor(private readonly scope: RelayScope = { depth: 0 }) {}
  subscribe(listener: Listener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: E, onError: (err: unknown) => void): void {
    // What a listener emits while an event is delivered is derived from it (agentDeleted → accessChanged): every
    // replica derives it itself from the event it receives, so only events emitted outside a delivery are relayed.
    if (this.relay && this.scope.depth === 0) {
      try {
        this.relay(event);
      } catch (err) {
        onError(err);
      }
    }
    this.deliver(event, onError);
  }
  /** Several replicas (event-relay.ts): every event emitted here is also handed to `relay`. */
  relayTo(relay: Listener<E> | undefined): void {
    this.relay = relay;
  }
  /** An event another replica emitted: to this process's listeners only. */
  deliverRemote(event: E, onError: (err: unknown) => void): void {
    this.deliver(event, onError);
  }
  private deliver(event: E, onError: (err: unknown) => void): void {
    this.scope.depth++;
    try {
      for (const l of [...this.listeners]) {
        try {
          l(event);
        } catch (err) {
          onError(err);
        }
      }
    } finally {
      this.scope.depth--;
    }
  }
}

/**
 * The event layer. With REDIS_URL every topic's events also reach the other replicas' listeners (event-relay.ts):
 * a config saved on replica A reaches the agents connected to B.
 */
export class ServiceEvents {
  private readonly scope: RelayScope = { depth: 0 };
  readonly tokenRevoked = new Topic<TokenRevokedEvent>(this.scope);
  /** An agent was registered (after commit). */
  readonly agentCreated = new Topic<AgentCreatedEvent>(this.scope);
  readonly agentDeleted = new Topic<AgentDeletedEvent>(this.scope);
  readonly configChanged = new Topic<ConfigChangedEvent>(this.scope);
  /** Every agent_activity row, after the transaction that wrote it committed (recordActivity's callers). */
  readonly activityRecorded = new Topic<ActivityEvent>(this.scope);
  /**
   * The re-authorization hook: emit it when a viewer's rights may have changed (membership, role, a revoked
   * credential; later logout, session expiry, a disabled user) and their open streams check again.
   */
  readonly accessChanged = new Topic<AccessChangedEvent>(this.scope);
  constructor(readonly onListenerError: (err: unknown) => void = () => undefined) {
    // Streams watching a deleted agent end (their authorization now answers 404).
    this.agentDeleted.subscribe(() =>
      this.accessChanged.emit({ userIds: 'everyone', reason: 'agent deleted' }, this.onListenerError),
    );
    // Streams of the viewers who may see a new agent start including it (live.onAgents' grant).
    this.agentCreated.subscribe(() =>
      this.accessChanged.emit({ userIds: 'everyone', reason: 'agent created' }, this.onListenerError),
    );
  }

  /** Emits after commit the activity rows a transaction recorded. */
  activityCommitted(rows: readonly (ActivityEvent | null | undefined)[]): void {
    for (const row of rows) if (row) this.activityRecorded.emit(row, this.onListenerError);
  }

  /** Emits the re-authorization hook for these users. */
  accessChangedFor(userIds: readonly number[] | 'everyone', reason: string): void {
    this.accessChanged.emit({ userIds, reason }, this.onListenerError);
  }
}
