// Idle tunnels of every connected agent, sharded by agent id, and the callers waiting for one.
// A tunnel is idle until a caller takes it; a taken tunnel is active until its call ends, then it is released back
// to idle (a reusable stream) or unregistered (its stream ended).

export interface RegistryTunnel {
  readonly agentId: number;
  readonly tokenId: number;
  readonly podId: number;
  serves(fullMethod: string): boolean;
  /** Ends the stream (an idle one cleanly; an active one with the given reason). */
  close(reason: string): void;
}

export interface PodTunnelCounts {
  idle: number;
  active: number;
}

export type PodTunnelsListener = (agentId: number, podId: number, counts: PodTunnelCounts) => void;

export class TunnelWaitTimeoutError extends Error {
  override readonly name = 'TunnelWaitTimeoutError';
}

export class TunnelWaitAbortedError extends Error {
  override readonly name = 'TunnelWaitAbortedError';
}

interface Waiter<T> {
  fullMethod: string;
  resolve(tunnel: T): void;
}

class AgentTunnels<T extends RegistryTunnel> {
  readonly idle: T[] = [];
  readonly active = new Set<T>();
  /** Connect streams accepted but not yet registered (authenticated, waiting for their descriptor). */
  pending = 0;
  readonly waiters: Waiter<T>[] = [];
  lastSeen: Date | null = null;

  get total(): number {
    return this.idle.length + this.active.size + this.pending;
  }

  get empty(): boolean {
    return this.total === 0 && this.waiters.length === 0;
  }
}

export interface TunnelRegistryOptions {
  /** Idle + active tunnel streams allowed per agent. */
  streamLimit: (agentId: number) => number;
  stripeCount?: number;
  now?: () => Date;
  /** In [0, 1); picks the pod and the tunnel a call takes. */
  random?: () => number;
}

export class TunnelRegistry<T extends RegistryTunnel> {
  private readonly stripes: Map<number, AgentTunnels<T>>[];
  private readonly lastSeenOfGone = new Map<number, Date>();
  private readonly podListeners = new Set<PodTunnelsListener>();
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly options: TunnelRegistryOptions) {
    this.stripes = Array.from({ length: options.stripeCount ?? 256 }, () => new Map());
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  onPodTunnelsChanged(listener: PodTunnelsListener): () => void {
    this.podListeners.add(listener);
    return () => this.podListeners.delete(listener);
  }

  limit(agentId: number): number {
    return this.options.streamLimit(agentId);
  }

  /** Reserves room for one more stream of the agent; false when it is at its limit. */
  reserve(agentId: number): boolean {
    const agent = this.agent(agentId, true);
    if (agent.total >= this.limit(agentId)) {
      this.dropIfEmpty(agentId, agent);
      return false;
    }
    agent.pending++;
    agent.lastSeen = this.now();
    return true;
  }

  /** Gives back a reservation that never became a tunnel. */
  unreserve(agentId: number): void {
    const agent = this.agent(agentId, false);
    if (!agent) return;
    agent.pending = Math.max(0, agent.pending - 1);
    this.dropIfEmpty(agentId, agent);
  }

  /** Turns a reservation into an idle tunnel, or hands it straight to a waiting caller. */
  register(tunnel: T): void {
    const agent = this.agent(tunnel.agentId, true);
    agent.pending = Math.max(0, agent.pending - 1);
    agent.lastSeen = this.now();
    const waiterIndex = agent.waiters.findIndex((w) => tunnel.serves(w.fullMethod));
    if (waiterIndex >= 0) {
      const [waiter] = agent.waiters.splice(waiterIndex, 1);
      agent.active.add(tunnel);
      this.emitPod(tunnel.agentId, tunnel.podId, agent);
      waiter!.resolve(tunnel);
      return;
    }
    agent.idle.push(tunnel);
    this.emitPod(tunnel.agentId, tunnel.podId, agent);
  }

  /**
   * An active tunnel's call ended and its stream is idle again: hand it to a waiting caller or back to the idle
   * list. False when the registry no longer holds it (closed meanwhile): the caller ends its stream.
   */
  release(tunnel: T): boolean {
    const agent = this.agent(tunnel.agentId, false);
    if (!agent || !agent.active.has(tunnel)) return false;
    agent.lastSeen = this.now();
    const waiterIndex = agent.waiters.findIndex((w) => tunnel.serves(w.fullMethod));
    if (waiterIndex >= 0) {
      const [waiter] = agent.waiters.splice(waiterIndex, 1);
      waiter!.resolve(tunnel);
      return true;
    }
    agent.active.delete(tunnel);
    agent.idle.push(tunnel);
    this.emitPod(tunnel.agentId, tunnel.podId, agent);
    return true;
  }

  /** The tunnel's stream ended (whatever its state). */
  unregister(tunnel: T): void {
    const agent = this.agent(tunnel.agentId, false);
    if (!agent) return;
    const idleIndex = agent.idle.indexOf(tunnel);
    const wasIdle = idleIndex >= 0;
    if (wasIdle) agent.idle.splice(idleIndex, 1);
    const wasActive = agent.active.delete(tunnel);
    if (!wasIdle && !wasActive) return;
    agent.lastSeen = this.now();
    this.emitPod(tunnel.agentId, tunnel.podId, agent);
    this.dropIfEmpty(tunnel.agentId, agent);
  }

  /**
   * Takes an idle tunnel serving the method, or waits for one. The pod is chosen first, uniformly, then one of its
   * tunnels: a pod's idle count follows the demand it last saw (agentk opens ten on demand), so choosing among all
   * tunnels would keep sending calls to the pod that got the first one, and a second agentk replica would serve
   * almost nothing.
   */
  async take(
    agentId: number,
    fullMethod: string,
    opts: { signal: AbortSignal; timeoutMs: number },
  ): Promise<T> {
    if (opts.signal.aborted) throw new TunnelWaitAbortedError('the caller gave up before a tunnel was found');
    const agent = this.agent(agentId, true);
    const byPod = new Map<number, T[]>();
    for (const t of agent.idle) {
      if (!t.serves(fullMethod)) continue;
      const list = byPod.get(t.podId);
      if (list) list.push(t);
      else byPod.set(t.podId, [t]);
    }
    if (byPod.size > 0) {
      const pods = [...byPod.values()];
      const ofPod = pods[Math.floor(this.random() * pods.length)]!;
      const tunnel = ofPod[Math.floor(this.random() * ofPod.length)]!;
      agent.idle.splice(agent.idle.indexOf(tunnel), 1);
      agent.active.add(tunnel);
      this.emitPod(agentId, tunnel.podId, agent);
      return tunnel;
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        fullMethod,
        resolve: (tunnel) => {
          cleanup();
          resolve(tunnel);
        },
      };
      const leave = () => {
        const index = agent.waiters.indexOf(waiter);
        if (index >= 0) agent.waiters.splice(index, 1);
        this.dropIfEmpty(agentId, agent);
      };
      const onAbort = () => {
        cleanup();
        leave();
        reject(new TunnelWaitAbortedError('the caller gave up before a tunnel was found'));
      };
      const timer = setTimeout(() => {
        cleanup();
        leave();
        reject(new TunnelWaitTimeoutError(`no tunnel of agent ${agentId} within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      agent.waiters.push(waiter);
    });
  }

  counts(agentId: number): { idle: number; active: number; pending: number; waiting: number; limit: number } {
    const agent = this.agent(agentId, false);
    return {
      idle: agent?.idle.length ?? 0,
      active: agent?.active.size ?? 0,
      pending: agent?.pending ?? 0,
      waiting: agent?.waiters.length ?? 0,
      limit: this.limit(agentId),
    };
  }

  /** Whether the agent has idle tunnels but no tunnel at all (idle or active) that serves the method. */
  connectedWithoutMethod(agentId: number, fullMethod: string): boolean {
    const agent = this.agent(agentId, false);
    if (!agent || agent.idle.length === 0) return false;
    for (const t of agent.idle) if (t.serves(fullMethod)) return false;
    for (const t of agent.active) if (t.serves(fullMethod)) return false;
    return true;
  }

  /** When kas last saw a tunnel of the agent come or go; now if it has one open. */
  lastSeen(agentId: number): Date | null {
    const agent = this.agent(agentId, false);
    if (agent && agent.idle.length + agent.active.size > 0) return this.now();
    return agent?.lastSeen ?? this.lastSeenOfGone.get(agentId) ?? null;
  }

  podCounts(agentId: number): Map<number, PodTunnelCounts> {
    const out = new Map<number, PodTunnelCounts>();
    const agent = this.agent(agentId, false);
    if (!agent) return out;
    for (const t of agent.idle) bump(out, t.podId, 'idle');
    for (const t of agent.active) bump(out, t.podId, 'active');
    return out;
  }

  /** Every agent with at least one tunnel, with its counts. */
  *agents(): IterableIterator<{ agentId: number; idle: number; active: number }> {
    for (const stripe of this.stripes) {
      for (const [agentId, agent] of stripe) {
        if (agent.idle.length + agent.active.size > 0)
          yield { agentId, idle: agent.idle.length, active: agent.active.size };
      }
    }
  }

  /** How many agents hold tunnels here, and how many tunnels (idle + active) they hold together. */
  totals(): { agents: number; tunnels: number } {
    let agents = 0;
    let tunnels = 0;
    for (const agent of this.agents()) {
      agents++;
      tunnels += agent.idle + agent.active;
    }
    return { agents, tunnels };
  }

  /** Every open tunnel that authenticated with the token (idle and active). */
  tunnelsOfToken(tokenId: number): T[] {
    const out: T[] = [];
    for (const stripe of this.stripes) {
      for (const agent of stripe.values()) {
        for (const t of agent.idle) if (t.tokenId === tokenId) out.push(t);
        for (const t of agent.active) if (t.tokenId === tokenId) out.push(t);
      }
    }
    return out;
  }

  allTunnels(): T[] {
    const out: T[] = [];
    for (const stripe of this.stripes)
      for (const agent of stripe.values()) out.push(...agent.idle, ...agent.active);
    return out;
  }

  private stripe(agentId: number): Map<number, AgentTunnels<T>> {
    return this.stripes[Math.abs(agentId) % this.stripes.length]!;
  }

  private agent(agentId: number, create: true): AgentTunnels<T>;
  private agent(agentId: number, create: false): AgentTunnels<T> | undefined;
  private agent(agentId: number, create: boolean): AgentTunnels<T> | undefined {
    const stripe = this.stripe(agentId);
    let agent = stripe.get(agentId);
    if (!agent && create) {
      agent = new AgentTunnels<T>();
      agent.lastSeen = this.lastSeenOfGone.get(agentId) ?? null;
      stripe.set(agentId, agent);
    }
    return agent;
  }

  private dropIfEmpty(agentId: number, agent: AgentTunnels<T>): void {
    if (!agent.empty) return;
    if (agent.lastSeen) this.lastSeenOfGone.set(agentId, agent.lastSeen);
    this.stripe(agentId).delete(agentId);
  }

  private emitPod(agentId: number, podId: number, agent: AgentTunnels<T>): void {
    let idle = 0;
    let active = 0;
    for (const t of agent.idle) if (t.podId === podId) idle++;
    for (const t of agent.active) if (t.podId === podId) active++;
    for (const listener of this.podListeners) listener(agentId, podId, { idle, active });
  }
}

function bump(map: Map<number, PodTunnelCounts>, podId: number, key: keyof PodTunnelCounts): void {
  const counts = map.get(podId) ?? { idle: 0, active: 0 };
  counts[key]++;
  map.set(podId, counts);
}
