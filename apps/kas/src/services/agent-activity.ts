// Per-agent activity feed (what the console's agent page shows). Written in the same transaction as
// the change it reports; only the newest 200 rows per agent are kept. recordActivity returns the row; the caller
// hands it to events.activityCommitted once the transaction committed, which is how live.onActivity learns of it.
import { agentActivity, type Executor } from '@mooring/db';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Actor } from './actor';
import type { ServiceContext } from './context';

export const ACTIVITY_KINDS = [
  'token_created',
  'token_revoked',
  'agent_connected',
  'agent_disconnected',
  'config_applied',
  'config_rejected',
  'receptive_endpoint_changed',
  /** agentk tried to connect with a revoked token of this agent (agent-token-refusals.ts). */
  'connect_refused',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export const ACTIVITY_KEPT_PER_AGENT = 200;

export interface ActivityEvent {
  id: number;
  agentId: number;
  kind: string;
  actorId: number | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export async function recordActivity(
  ex: Executor,
  entry: {
    agentId: number;
    kind: ActivityKind;
    actorId?: number | null;
    details?: Record<string, unknown>;
    at: Date;
  },
): Promise<ActivityEvent> {
  const [row] = await ex
    .insert(agentActivity)
    .values({
      agentId: entry.agentId,
      kind: entry.kind,
      actorId: entry.actorId ?? null,
      details: entry.details ?? {},
      createdAt: entry.at,
    })
    .returning();
  await ex.execute(sql`
    delete from ${agentActivity}
    where ${agentActivity.agentId} = ${entry.agentId}
      and ${agentActivity.id} < (
        select ${agentActivity.id} from ${agentActivity}
        where ${agentActivity.agentId} = ${entry.agentId}
        order by ${agentActivity.id} desc
        offset ${ACTIVITY_KEPT_PER_AGENT - 1} limit 1
      )`);
  return row!;
}

export function createAgentActivityService(ctx: ServiceContext) {
  return {
    /** Newest first; `beforeId` pages backwards. Needs Developer on the agent's project. */
    async list(
      actor: Actor,
      agentId: number,
      opts: { limit?: number; beforeId?: number } = {},
    ): Promise<ActivityEvent[]> {
      await ctx.policy.authorize(actor, 'agent:read', { type: 'agent', id: agentId });
      return ctx.db
        .select()
        .from(agentActivity)
        .where(
          and(
            eq(agentActivity.agentId, agentId),
            opts.beforeId ? lt(agentActivity.id, opts.beforeId) : undefined,
          ),
        )
        .orderBy(desc(agentActivity.id))
        .limit(Math.min(Math.max(opts.limit ?? 50, 1), ACTIVITY_KEPT_PER_AGENT));
    },
  };
}
export type AgentActivityService = ReturnType<typeof createAgentActivityService>;
