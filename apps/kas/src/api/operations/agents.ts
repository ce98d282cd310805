import { z } from 'zod';
import { actorOf } from '../actor';
import { allowedActionsView } from '../allowed-actions';
import { defineOperation } from '../operation';
import type { KasServices } from '../services-adapter';
import { id, iso, isoOrNull, okView, timestamp } from '../views';

/** An agent as agents.list answers it (also live.onAgents' registry events). */
export const agentView = z.object({
  id,
  projectId: id,
  projectPath: z.string(),
  name: z.string(),
  receptive: z.boolean(),
  createdBy: id.nullable(),
  createdByUsername: z.string().nullable().describe('who registered it (null once that user is gone)'),
  createdAt: timestamp,
});

type AgentRow = Omit<z.input<typeof agentView>, 'createdAt' | 'createdByUsername'> & { createdAt: Date };

/** Agent rows as views, with their creators' usernames (one query for the whole list). */
export async function toAgentViews(
  services: KasServices,
  rows: readonly AgentRow[],
): Promise<z.input<typeof agentView>[]> {
  const names = await services.users.usernames(rows.map((a) => a.createdBy));
  return rows.map((a) => ({
    id: a.id,
    projectId: a.projectId,
    projectPath: a.projectPath,
    name: a.name,
    receptive: a.receptive,
    createdBy: a.createdBy,
    createdByUsername: a.createdBy === null ? null : (names.get(a.createdBy) ?? null),
    createdAt: iso(a.createdAt),
  }));
}
export const toAgentView = async (services: KasServices, row: AgentRow) =>
  (await toAgentViews(services, [row]))[0]!;

export const agentOperations = {
  list: defineOperation({
    name: 'agents.list',
    type: 'query',
    method: 'GET',
    path: '/agents',
    summary: 'Agents you can see (Developer or above), optionally of one project',
    input: z.strictObject({ projectId: id.optional() }),
    output: z.array(agentView),
    async handler(input, ctx) {
      return toAgentViews(ctx.services, await ctx.services.agents.list(actorOf(ctx), input));
    },
  }),
  listForProject: defineOperation({
    name: 'agents.listForProject',
    type: 'query',
    method: 'GET',
    path: '/projects/:projectId/agents',
    summary: 'Agents of a project (Developer or above)',
    input: z.strictObject({ projectId: id }),
    output: z.array(agentView),
    async handler(input, ctx) {
      return toAgentViews(ctx.services, await ctx.services.agents.list(actorOf(ctx), input));
    },
  }),
  register: defineOperation({
    name: 'agents.register',
    type: 'mutation',
    method: 'POST',
    path: '/projects/:projectId/agents',
    successStatus: 201,
    summary: 'Register an agent in a project (Maintainer); name is a DNS label, unique per project',
    input: z.strictObject({ projectId: id, name: z.string() }),
    output: agentView,
    async handler(input, ctx) {
      return toAgentView(ctx.services, await ctx.services.agents.register(actorOf(ctx), input));
    },
  }),
  get: defineOperation({
    name: 'agents.get',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId',
    summary: 'One agent, with what you may do with it',
    input: z.strictObject({ agentId: id }),
    output: agentView.extend({
      canWriteConfig: z
        .boolean()
        .describe(
          'whether you may save (and revert) its configuration: allowedActions has agent:write_config',
        ),
      allowedActions: allowedActionsView,
    }),
    async handler(input, ctx) {
      const actor = actorOf(ctx);
      const agent = await toAgentView(ctx.services, await ctx.services.agents.get(actor, input.agentId));
      const allowedActions = await ctx.services.policy.actionsOn(actor, { type: 'agent', id: input.agentId });
      return { ...agent, canWriteConfig: allowedActions.includes('agent:write_config'), allowedActions };
    },
  }),
  connections: defineOperation({
    name: 'agents.connections',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/connections',
    summary:
      'The agent’s pods as kas saw them: versions, Kubernetes version, kas replica, connected and last seen',
    input: z.strictObject({ agentId: id, includeDisconnected: z.boolean().optional() }),
    output: z.array(
      z.object({
        podNamespace: z.string(),
        podName: z.string(),
        agentVersion: z.string(),
        commit: z.string(),
        kubernetesVersion: z.string(),
        kasReplica: z.string(),
        configVersion: z.number().int().nullable(),
        connectedAt: timestamp,
        lastSeenAt: timestamp,
        disconnectedAt: timestamp.nullable(),
      }),
    ),
    async handler({ agentId, ...opts }, ctx) {
      const rows = await ctx.services.agentConnections.list(actorOf(ctx), agentId, opts);
      return rows.map((row) => ({
        ...row,
        connectedAt: iso(row.connectedAt),
        lastSeenAt: iso(row.lastSeenAt),
        disconnectedAt: isoOrNull(row.disconnectedAt),
      }));
    },
  }),
  delete: defineOperation({
    name: 'agents.delete',
    type: 'mutation',
    method: 'DELETE',
    path: '/agents/:agentId',
    summary: 'Delete an agent (Maintainer); its tokens are revoked',
    input: z.strictObject({ agentId: id }),
    output: okView,
    async handler(input, ctx) {
      await ctx.services.agents.delete(actorOf(ctx), input.agentId);
      return { ok: true as const };
    },
  }),
};

const agentTokenView = z.object({
  id,
  agentId: id,
  name: z.string(),
  description: z.string(),
  status: z.enum(['active', 'revoked']),
  createdBy: id.nullable(),
  createdByUsername: z.string().nullable().describe('who created it (null once that user is gone)'),
  createdAt: timestamp,
  revokedAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
});

type AgentTokenRow = Omit<
  z.input<typeof agentTokenView>,
  'createdAt' | 'revokedAt' | 'lastUsedAt' | 'createdByUsername'
> & {
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
};

/** Token rows as views, with their creators' usernames (one query for the whole list). */
async function toAgentTokenViews(
  services: KasServices,
  rows: readonly AgentTokenRow[],
): Promise<z.input<typeof agentTokenView>[]> {
  const names = await services.users.usernames(rows.map((t) => t.createdBy));
  return rows.map((t) => ({
    id: t.id,
    agentId: t.agentId,
    name: t.name,
    description: t.description,
    status: t.status,
    createdBy: t.createdBy,
    createdByUsername: t.createdBy === null ? null : (names.get(t.createdBy) ?? null),
    createdAt: iso(t.createdAt),
    revokedAt: isoOrNull(t.revokedAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
  }));
}
const toAgentTokenView = async (services: KasServices, row: AgentTokenRow) =>
  (await toAgentTokenViews(services, [row]))[0]!;

export const agentTokenOperations = {
  list: defineOperation({
    name: 'agentTokens.list',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/tokens',
    summary: 'Tokens of an agent, without their secret values (Developer or above)',
    input: z.strictObject({ agentId: id }),
    output: z.array(agentTokenView),
    async handler(input, ctx) {
      return toAgentTokenViews(
        ctx.services,
        await ctx.services.agentTokens.list(actorOf(ctx), input.agentId),
      );
    },
  }),
  create: defineOperation({
    name: 'agentTokens.create',
    type: 'mutation',
    method: 'POST',
    path: '/agents/:agentId/tokens',
    successStatus: 201,
    summary: 'Create an agent token (Maintainer; at most 2 active); the token is returned only here',
    input: z.strictObject({ agentId: id, name: z.string(), description: z.string().optional() }),
    output: z.object({
      token: agentTokenView,
      secret: z.string().describe('the token itself (mgt-…); shown only in this answer, store it now'),
    }),
    async handler({ agentId, ...rest }, ctx) {
      const { token, info } = await ctx.services.agentTokens.create(actorOf(ctx), agentId, rest);
      return { token: await toAgentTokenView(ctx.services, info), secret: token };
    },
  }),
  revoke: defineOperation({
    name: 'agentTokens.revoke',
    type: 'mutation',
    method: 'DELETE',
    path: '/agents/:agentId/tokens/:tokenId',
    summary: 'Revoke an agent token (Maintainer); agents using it are refused from then on',
    input: z.strictObject({ agentId: id.optional(), tokenId: id }),
    output: agentTokenView,
    async handler(input, ctx) {
      return toAgentTokenView(
        ctx.services,
        await ctx.services.agentTokens.revoke(actorOf(ctx), input.tokenId, input.agentId),
      );
    },
  }),
};
