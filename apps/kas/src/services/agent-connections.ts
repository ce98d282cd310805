// One row per agentk pod: what the registrar and the tunnel report (versions, Kubernetes version,
// kas replica, config version, last seen). Called by kas itself, so no actor; activity events
// (agent_connected / agent_disconnected) are written only on transitions, not on every heartbeat.
import { agentConnections } from '@mooring/db';
import { and, asc, eq, inArray, isNull, lt, max, ne, notInArray } from 'drizzle-orm';
import type { Actor } from './actor';
import { recordActivity } from './agent-activity';
import { isUniqueViolation, type ServiceContext } from './context';

export interface PodRef {
  agentId: number;
  podNamespace: string;
  podName: string;
}

export interface ConnectionReport extends PodRef {
  agentVersion?: string;
  commit?: string;
  kubernetesVersion?: string;
  kasReplica?: string;
  configVersion?: number | null;
}

export interface AgentConnectionInfo {
  id: number;
  agentId: number;
  podNamespace: string;
  podName: string;
  agentVersion: string;
  commit: string;
  kubernetesVersion: string;
  kasReplica: string;
  configVersion: number | null;
  connectedAt: Date;
  lastSeenAt: Date;
  disconnectedAt: Date | null;
}

const clip = (s: string | undefined, n = 255) => (s ?? '').slice(0, n);

export function createAgentConnectionService(ctx: ServiceContext) {
  const { db, clock, policy, events } = ctx;

  return {
    /**
     * Register or heartbeat: upserts the pod's row. Returns whether this is a new connection
     * (first sight, or after a disconnect), in which case agent_connected was recorded.
     */
    async record(report: ConnectionReport): Promise<{ connectionId: number; newlyConnected: boolean }> {
      const now = clock.now();
      const where = and(
        eq(agentConnections.agentId, report.agentId),
        eq(agentConnections.podNamespace, clip(report.podNamespace)),
        eq(agentConnections.podName, clip(report.podName)),
      );
      const fields = {
        ...(report.agentVersion !== undefined && { agentVersion: clip(report.agentVersion) }),
        ...(report.commit !== undefined && { commit: clip(report.commit) }),
        ...(report.kubernetesVersion !== undefined && { kubernetesVersion: clip(report.kubernetesVersion) }),
        ...(report.kasReplica !== undefined && { kasReplica: clip(report.kasReplica) }),
        ...(report.configVersion !== undefined && { configVersion: report.configVersion }),
      };
      const upsert = () =>
        db.transaction(async (tx) => {
          const [existing] = await tx
            .select({ id: agentConnections.id, disconnectedAt: agentConnections.disconnectedAt })
            .from(agentConnections)
            .where(where);
          if (existing && existing.disconnectedAt === null) {
            await tx
              .update(agentConnections)
              .set({ ...fields, lastSeenAt: now })
              .where(eq(agentConnections.id, existing.id));
            return { connectionId: existing.id, newlyConnected: false, activity: null };
          }
          let id: number;
          if (existing) {
            await tx
              .update(agentConnections)
              .set({ ...fields, connectedAt: now, lastSeenAt: now, disconnectedAt: null })
              .where(eq(agentConnections.id, existing.id));
            id = existing.id;
          } else {
            const [row] = await tx
              .insert(agentConnections)
              .values({
                agentId: report.agentId,
                podNamespace: clip(report.podNamespace),
                podName: clip(report.podName),
                ...fields,
                connectedAt: now,
                lastSeenAt: now,
              })
              .returning({ id: agentConnections.id });
            id = row!.id;
          }
          const activity = await recordActivity(tx, {
            agentId: report.agentId,
            kind: 'agent_connected',
            details: {
              pod: `${report.podNamespace}/${report.podName}`,
              agentVersion: report.agentVersion ?? '',
              kasReplica: report.kasReplica ?? '',
            },
            at: now,
          });
          return { connectionId: id, newlyConnected: true, activity };
        });
      // A new pod's Register and the configuration version kas sends it at once are recorded together: on PostgreSQL
      // both may find no row, and the second insert loses on the unique pod key. Its transaction rolled back; run
      // again, it finds the row.
      const { activity, ...result } = await upsert().catch((err: unknown) => {
        if (isUniqueViolation(err, 'agent_connections_pod_uq')) return upsert();
        throw err;
      });
      events.activityCommitted([activity]);
      return result;
    },

    async markDisconnected(pod: PodRef, reason = ''): Promise<void> {
      const now = clock.now();
      const activity = await db.transaction(async (tx) => {
        const gone = await tx
          .update(agentConnections)
          .set({ disconnectedAt: now })
          .where(
            and(
              eq(agentConnections.agentId, pod.agentId),
              eq(agentConnections.podNamespace, pod.podNamespace),
              eq(agentConnections.podName, pod.podName),
              isNull(agentConnections.disconnectedAt),
            ),
          )
          .returning({ id: agentConnections.id });
        if (gone.length === 0) return null;
        return recordActivity(tx, {
          agentId: pod.agentId,
          kind: 'agent_disconnected',
          details: { pod: `${pod.podNamespace}/${pod.podName}`, reason },
          at: now,
        });
      });
      events.activityCommitted([activity]);
    },

    /** Marks pods not seen for `staleAfterMs` as disconnected (a kas that died cannot say so). */
    async expireStale(staleAfterMs: number): Promise<number> {
      const cutoff = new Date(clock.now().getTime() - staleAfterMs);
      const stale = await db
        .select({
          agentId: agentConnections.agentId,
          podNamespace: agentConnections.podNamespace,
          podName: agentConnections.podName,
        })
        .from(agentConnections)
        .where(and(isNull(agentConnections.disconnectedAt), lt(agentConnections.lastSeenAt, cutoff)));
      for (const pod of stale) await this.markDisconnected(pod, 'no heartbeat');
      return stale.length;
    },

    /**
     * Several replicas (REDIS_URL): marks disconnected the pods recorded by replicas that stopped heartbeating — not
     * in `liveReplicas` and not seen for `seenBeforeMs` (a replica that just started writes its rows before its first
     * heartbeat). The pods of live replicas are theirs to disconnect. Resolves with how many.
     */
    async expireGoneReplicas(liveReplicas: readonly string[], seenBeforeMs: number): Promise<number> {
      if (liveReplicas.length === 0) return 0;
      const cutoff = new Date(clock.now().getTime() - seenBeforeMs);
      const stale = await db
        .select({
          agentId: agentConnections.agentId,
          podNamespace: agentConnections.podNamespace,
          podName: agentConnections.podName,
          kasReplica: agentConnections.kasReplica,
        })
        .from(agentConnections)
        .where(
          and(
            isNull(agentConnections.disconnectedAt),
            notInArray(agentConnections.kasReplica, [...liveReplicas]),
            lt(agentConnections.lastSeenAt, cutoff),
          ),
        )
        .limit(10_000);
      for (const { kasReplica, ...pod } of stale)
        await this.markDisconnected(pod, `kas replica ${kasReplica} stopped heartbeating`);
      return stale.length;
    },

    /** Internal (no actor): connected pods of these agents recorded by other replicas than `self`, in one query. */
    async connectedElsewhere(agentIds: readonly number[], self: string): Promise<AgentConnectionInfo[]> {
      if (agentIds.length === 0) return [];
      return db
        .select()
        .from(agentConnections)
        .where(
          and(
            inArray(agentConnections.agentId, [...agentIds]),
            isNull(agentConnections.disconnectedAt),
            ne(agentConnections.kasReplica, self),
          ),
        )
        .orderBy(asc(agentConnections.podNamespace), asc(agentConnections.podName));
    },

    /** Pods of an agent (connected first). Needs Developer. */
    async list(
      actor: Actor,
      agentId: number,
      opts: { includeDisconnected?: boolean } = {},
    ): Promise<AgentConnectionInfo[]> {
      await policy.authorize(actor, 'agent:read', { type: 'agent', id: agentId });
      return this.listInternal(agentId, opts);
    },

    /** Internal (no actor). */
    async listInternal(
      agentId: number,
      opts: { includeDisconnected?: boolean } = {},
    ): Promise<AgentConnectionInfo[]> {
      return db
        .select()
        .from(agentConnections)
        .where(
          and(
            eq(agentConnections.agentId, agentId),
            opts.includeDisconnected ? undefined : isNull(agentConnections.disconnectedAt),
          ),
        )
        .orderBy(asc(agentConnections.podNamespace), asc(agentConnections.podName));
    },

    /** Internal (no actor): the newest last_seen over every pod ever, per agent, in one query. */
    async lastSeenByAgent(agentIds: readonly number[]): Promise<Map<number, Date>> {
      if (agentIds.length === 0) return new Map();
      const rows = await db
        .select({ agentId: agentConnections.agentId, lastSeenAt: max(agentConnections.lastSeenAt) })
        .from(agentConnections)
        .where(inArray(agentConnections.agentId, [...agentIds]))
        .groupBy(agentConnections.agentId);
      return new Map(
        rows.flatMap((r) => (r.lastSeenAt ? [[r.agentId, new Date(r.lastSeenAt)] as const] : [])),
      );
    },
  };
}
export type AgentConnectionService = ReturnType<typeof createAgentConnectionService>;
