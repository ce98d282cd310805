// Agents: registered in a project under a DNS-label name unique in that project. Deleting an agent
// revokes its tokens first (so the tunnel drops its streams), then removes it with its configs,
// connections and activity. Both emit after commit (events.agentCreated, events.agentDeleted): the console's
// Clusters list in every open tab adds or removes the row. There is no rename: an agent's name is fixed.
import { agents, agentTokens, projects } from '@mooring/db';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Actor } from './actor';
import { writeAudit } from './audit';
import { isUniqueViolation, type ServiceContext } from './context';
import { ConflictError, NotFoundError } from './errors';
import type { ServiceEvents } from './events';
import { agentNameSchema, idSchema, parseField } from './validation';

export interface AgentInfo {
  id: number;
  projectId: number;
  projectPath: string;
  name: string;
  receptive: boolean;
  createdBy: number | null;
  createdAt: Date;
}

const agentColumns = {
  id: agents.id,
  projectId: agents.projectId,
  projectPath: projects.fullPath,
  name: agents.name,
  receptive: agents.receptive,
  createdBy: agents.createdBy,
  createdAt: agents.createdAt,
};

export function createAgentService(
  ctx: ServiceContext,
  deps: { events: ServiceEvents; invalidateTokens(tokenIds: number[]): void },
) {
  const { db, clock, policy } = ctx;

  async function load(agentId: number): Promise<AgentInfo | null> {
    const [row] = await db
      .select(agentColumns)
      .from(agents)
      .innerJoin(projects, eq(projects.id, agents.projectId))
      .where(eq(agents.id, agentId));
    return row ?? null;
  }

  return {
    /** Needs Maintainer on the project. */
    async register(actor: Actor, input: { projectId: number; name: string }): Promise<AgentInfo> {
      parseField(idSchema, input.projectId, 'projectId');
      const name = parseField(agentNameSchema, input.name, 'name');
      const { project } = await policy.authorize(actor, 'project:create_agent', {
        type: 'project',
        id: input.projectId,
      });
      const conflict = () =>
        new ConflictError(
          `an agent named ${name} already exists in project ${project!.fullPath}; choose another name`,
        );
      try {
        const id = await db.transaction(async (tx) => {
          const [dupe] = await tx
            .select({ id: agents.id })
            .from(agents)
            .where(and(eq(agents.projectId, project!.id), eq(agents.name, name)));
          if (dupe) throw conflict();
          const [row] = await tx
            .insert(agents)
            .values({ projectId: project!.id, name, createdBy: actor.userId, createdAt: clock.now() })
            .returning({ id: agents.id });
          await writeAudit(
            tx,
            actor,
            {
              action: 'agent.create',
              targetType: 'agent',
              targetId: row!.id,
              details: { name, projectId: project!.id, projectPath: project!.fullPath },
            },
            clock,
          );
          return row!.id;
        });
        const agent = (await load(id))!;
        deps.events.agentCreated.emit({ agent }, deps.events.onListenerError);
        return agent;
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict();
        throw err;
      }
    },

    async get(actor: Actor, agentId: number): Promise<AgentInfo> {
      await policy.authorize(actor, 'agent:read', { type: 'agent', id: agentId });
      const row = await load(agentId);
      if (!row) throw new NotFoundError(`agent ${agentId} not found`);
      return row;
    },

    /** Agents of one project (Developer+), or every agent the actor may read when no project is given. */
    async list(actor: Actor, filter: { projectId?: number } = {}): Promise<AgentInfo[]> {
      if (filter.projectId !== undefined) {
        await policy.authorize(actor, 'project:read_agents', { type: 'project', id: filter.projectId });
        return db
          .select(agentColumns)
          .from(agents)
          .innerJoin(projects, eq(projects.id, agents.projectId))
          .where(eq(agents.projectId, filter.projectId))
          .orderBy(asc(agents.name));
      }
      const all = await db
        .select(agentColumns)
        .from(agents)
        .innerJoin(projects, eq(projects.id, agents.projectId))
        .orderBy(asc(projects.fullPath), asc(agents.name));
      if (actor.isAdmin) return all;
      const out: AgentInfo[] = [];
      const allowedProjects = new Map<number, boolean>();
      for (const a of all) {
        if (!allowedProjects.has(a.projectId)) {
          const d = await policy.can(actor, 'project:read_agents', { type: 'project', id: a.projectId });
          allowedProjects.set(a.projectId, d.allowed);
        }
        if (allowedProjects.get(a.projectId)) out.push(a);
      }
      return out;
    },

    /** Internal (no actor): for the tunnel, proxy and registrar. */
    getById: load,

    /** Revokes every token (subscribers are told), then deletes the agent. Needs Maintainer. */
    async delete(actor: Actor, agentId: number): Promise<void> {
      const { agent, project } = await policy.authorize(actor, 'agent:delete', {
        type: 'agent',
        id: agentId,
      });
      const tokenIds = await db.transaction(async (tx) => {
        const active = await tx
          .select({ id: agentTokens.id })
          .from(agentTokens)
          .where(and(eq(agentTokens.agentId, agentId), eq(agentTokens.status, 'active')));
        const ids = active.map((t) => t.id);
        if (ids.length > 0) {
          await tx
            .update(agentTokens)
            .set({ status: 'revoked', revokedAt: clock.now(), revokedBy: actor.userId })
            .where(inArray(agentTokens.id, ids));
        }
        await tx.delete(agents).where(eq(agents.id, agentId));
        await writeAudit(
          tx,
          actor,
          {
            action: 'agent.delete',
            targetType: 'agent',
            targetId: agentId,
            details: { name: agent!.name, projectPath: project!.fullPath, revokedTokenIds: ids },
          },
          clock,
        );
        return ids;
      });
      deps.invalidateTokens(tokenIds);
      for (const tokenId of tokenIds)
        deps.events.tokenRevoked.emit({ tokenId, agentId }, deps.events.onListenerError);
      deps.events.agentDeleted.emit({ agentId, projectId: agent!.projectId }, deps.events.onListenerError);
    },
  };
}
export type AgentService = ReturnType<typeof createAgentService>;
