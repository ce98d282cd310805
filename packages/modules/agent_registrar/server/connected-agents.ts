// In-memory view of the agentk pods connected to this kas, for the console and for activity events.
// A pod is connected from its first Register or tunnel; it is disconnected once it has had no tunnel for
// `disconnectAfterMs` (agentk re-opens tunnels at once, so a short gap is not a disconnect). The store records
// agent_connected when the first Register upserts the pod, and agent_disconnected through markDisconnected.
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AgentCallError } from '../../modserver/index';
import type { AgentConnectionRecorder, KubernetesVersionInfo } from './recorder';

export interface PodMeta {
  podName: string;
  podNamespace: string;
  agentVersion: string;
  agentCommit: string;
  kubernetesVersion: KubernetesVersionInfo | null;
}

export interface ConnectedPod {
  agentId: number;
  podId: number;
  meta: PodMeta | null;
  connectedAt: Date;
  lastSeen: Date;
  kasReplica: string;
  tunnels: { idle: number; active: number };
  /** The configuration version kas last sent this pod (it applies it at once); null before any. */
  configVersion: string | null;
}

export interface ConnectedAgentsOptions {
  recorder: AgentConnectionRecorder;
  kasReplica: string;
  logger: Logger;
  disconnectAfterMs?: number;
  /** A pod seen only through Register (never a tunnel) is dropped after this long without a heartbeat. */
  heartbeatStaleAfterMs?: number;
  /** Registered pods one agent may have on this kas; the heartbeat of one more is refused (RESOURCE_EXHAUSTED). */
  maxPodsPerAgent?: number;
  now?: () => Date;
}

export class ConnectedAgents {
  private readonly pods = new Map<number, Map<number, ConnectedPod>>();
  private readonly disconnectTimers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => Date;
  private readonly disconnectAfterMs: number;
  private readonly staleAfterMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly changeListeners = new Set<(agentId: number) => void>();
  /** Per agent with pods: the reason its last pod's disconnect carries, and whether to forget the agent then. */
  private readonly pendingReasons = new Map<number, { reason: string; forget: boolean }>();
  private readonly lastDisconnects = new Map<number, { at: Date; reason: string }>();
  private stopped = false;

  constructor(private readonly options: ConnectedAgentsOptions) {
    this.now = options.now ?? (() => new Date());
    this.disconnectAfterMs = options.disconnectAfterMs ?? 5_000;
    this.staleAfterMs = options.heartbeatStaleAfterMs ?? 11 * 60_000;
    this.sweeper = setInterval(() => this.sweepStale(), Math.min(this.staleAfterMs, 60_000));
    this.sweeper.unref();
  }

  /** Called after every change of an agent's pods (connect, disconnect, tunnel counts, meta, config version). */
  onChange(listener: (agentId: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The reason the next disconnect of the agent's pods will carry (e.g. its token was revoked). */
  noteDisconnectReason(agentId: number, reason: string): void {
    this.pendingReasons.set(agentId, { reason, forget: false });
  }

  /**
   * The agent was deleted: its pods' disconnects carry `reason`, and nothing of it stays here afterwards (a deleted
   * agent's last disconnect and noted reason would otherwise be kept until kas restarts).
   */
  agentDeleted(agentId: number, reason: string): void {
    this.lastDisconnects.delete(agentId);
    if (this.pods.has(agentId)) this.pendingReasons.set(agentId, { reason, forget: true });
    else this.pendingReasons.delete(agentId);
  }

  /** When and why the agent's last pod went away; null if none did since kas started. */
  lastDisconnect(agentId: number): { at: Date; reason: string } | null {
    return this.lastDisconnects.get(agentId) ?? null;
  }

  /** The GetConfiguration stream sent `version` to the pod. */
  configSent(agentId: number, podId: number, version: string): void {
    if (!podId || this.stopped) return;
    const pod = this.touch(agentId, podId);
    pod.configVersion = version;
    this.changed(agentId);
    // Keep the stored record's config version current without waiting for the next heartbeat.
    if (pod.meta)
      this.upsert(pod).catch((error: unknown) =>
        this.options.logger.warn({ err: error, agent_id: agentId }, 'could not record the config version'),
      );
  }

  /** A Register heartbeat: records the pod's meta and refreshes the connection record. */
  async heartbeat(agentId: number, podId: number, meta: PodMeta): Promise<void> {
    if (this.stopped) return;
    this.admit(agentId, podId);
    const pod = this.touch(agentId, podId);
    pod.meta = meta;
    this.changed(agentId);
    await this.upsert(pod);
  }

  /** The tunnel registry reports a pod's tunnel counts after every change. */
  tunnelsChanged(agentId: number, podId: number, counts: { idle: number; active: number }): void {
    if (this.stopped) return;
    const pod = this.touch(agentId, podId);
    pod.tunnels = { ...counts };
    this.changed(agentId);
    const key = `${agentId}:${podId}`;
    const timer = this.disconnectTimers.get(key);
    if (counts.idle + counts.active > 0) {
      if (timer) clearTimeout(timer);
      this.disconnectTimers.delete(key);
      return;
    }
    if (timer) return;
    const t = setTimeout(() => {
      this.disconnectTimers.delete(key);
      const current = this.pods.get(agentId)?.get(podId);
      if (current && current.tunnels.idle + current.tunnels.active === 0)
        void this.disconnect(current, `no tunnel for ${this.disconnectAfterMs / 1000} s`);
    }, this.disconnectAfterMs);
    t.unref();
    this.disconnectTimers.set(key, t);
  }

  /** Connected pods of one agent. */
  list(agentId: number): ConnectedPod[] {
    return [...(this.pods.get(agentId)?.values() ?? [])].map(copy);
  }

  /** Every connected pod of every agent. */
  all(): ConnectedPod[] {
    const out: ConnectedPod[] = [];
    for (const pods of this.pods.values()) for (const pod of pods.values()) out.push(copy(pod));
    return out;
  }

  lastSeen(agentId: number): Date | null {
    let latest: Date | null = null;
    for (const pod of this.pods.get(agentId)?.values() ?? [])
      if (!latest || pod.lastSeen > latest) latest = pod.lastSeen;
    return latest;
  }

  /**
   * Refuses a pod the agent cannot add: it already has `maxPodsPerAgent` registered pods on this kas. Throws an
   * AgentCallError (RESOURCE_EXHAUSTED) that names the limit and the fix.
   */
  admit(agentId: number, podId: number): void {
    const max = this.options.maxPodsPerAgent;
    if (max === undefined || this.pods.get(agentId)?.get(podId)?.meta) return;
    let registered = 0;
    for (const pod of this.pods.get(agentId)?.values() ?? []) if (pod.meta) registered++;
    if (registered >= max)
      throw new AgentCallError(
        status.RESOURCE_EXHAUSTED,
        `agent ${agentId} already has ${registered} pods connected to this kas, its limit; ` +
          `run fewer agentk replicas with this token, give each cluster its own agent, or raise MOORING_AGENT_MAX_PODS`,
      );
  }

  /**
   * Stops the timers and, with a reason, marks every registered pod disconnected (a stopping kas: its agentk pods
   * dial another replica, which records them connected again). Later events are ignored.
   */
  async stop(reason?: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const t of this.disconnectTimers.values()) clearTimeout(t);
    this.disconnectTimers.clear();
    if (reason === undefined) return;
    const pending: Promise<void>[] = [];
    for (const pods of [...this.pods.values()])
      for (const pod of [...pods.values()]) pending.push(this.disconnect(pod, reason));
    await Promise.all(pending);
  }

  private upsert(pod: ConnectedPod): Promise<void> {
    return this.options.recorder.upsertConnection({
      agentId: pod.agentId,
      podId: pod.podId,
      ...pod.meta!,
      connectedAt: pod.connectedAt,
      lastSeen: pod.lastSeen,
      kasReplica: pod.kasReplica,
      configVersion: pod.configVersion,
    });
  }

  private touch(agentId: number, podId: number): ConnectedPod {
    let pods = this.pods.get(agentId);
    if (!pods) this.pods.set(agentId, (pods = new Map()));
    let pod = pods.get(podId);
    const now = this.now();
    if (!pod) {
      pod = {
        agentId,
        podId,
        meta: null,
        connectedAt: now,
        lastSeen: now,
        kasReplica: this.options.kasReplica,
        tunnels: { idle: 0, active: 0 },
        configVersion: null,
      };
      pods.set(podId, pod);
    }
    pod.lastSeen = now;
    return pod;
  }

  private disconnect(pod: ConnectedPod, why: string): Promise<void> {
    const pods = this.pods.get(pod.agentId);
    pods?.delete(pod.podId);
    const pending = this.pendingReasons.get(pod.agentId);
    const reason = pending?.reason ?? why;
    if (!pods || pods.size === 0) {
      this.pods.delete(pod.agentId);
      this.pendingReasons.delete(pod.agentId);
      if (!pending?.forget) this.lastDisconnects.set(pod.agentId, { at: this.now(), reason });
    }
    this.changed(pod.agentId);
    // A pod that never registered has no record to close (its tunnels came and went within a heartbeat).
    if (!pod.meta) return Promise.resolve();
    const ref = {
      agentId: pod.agentId,
      podId: pod.podId,
      podName: pod.meta.podName,
      podNamespace: pod.meta.podNamespace,
    };
    return this.options.recorder.markDisconnected(ref, reason).catch((error: unknown) => {
      this.options.logger.warn(
        { err: error, agent_id: pod.agentId },
        'could not record the agent disconnect',
      );
    });
  }

  private sweepStale(): void {
    const cutoff = this.now().getTime() - this.staleAfterMs;
    for (const pods of [...this.pods.values()])
      for (const pod of [...pods.values()])
        if (pod.tunnels.idle + pod.tunnels.active === 0 && pod.lastSeen.getTime() < cutoff)
          void this.disconnect(pod, 'no heartbeat');
  }

  private changed(agentId: number): void {
    for (const listener of this.changeListeners) {
      try {
        listener(agentId);
      } catch (error) {
        this.options.logger.warn({ err: error, agent_id: agentId }, 'a connected-agents listener failed');
      }
    }
  }
}

function copy(pod: ConnectedPod): ConnectedPod {
  return { ...pod, tunnels: { ...pod.tunnels } };
}
