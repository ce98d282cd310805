import { z } from 'zod';
import { actorOf } from '../actor';
import { allowedActionsView, withAllowedActions } from '../allowed-actions';
import { defineOperation } from '../operation';
import { id, iso, okView, timestamp } from '../views';

const groupView = z.object({
  id,
  parentId: id.nullable(),
  name: z.string(),
  path: z.string(),
  fullPath: z.string(),
  description: z.string(),
  createdAt: timestamp,
});

const projectView = z.object({
  id,
  groupId: id,
  name: z.string(),
  path: z.string(),
  fullPath: z.string(),
  description: z.string(),
  createdAt: timestamp,
});

type Dated<T> = Omit<T, 'createdAt'> & { createdAt: Date };
const dated = <T extends { createdAt: string }>(row: Dated<T>): T =>
  ({ ...row, createdAt: iso(row.createdAt) }) as unknown as T;

const toGroupView = (g: Dated<z.input<typeof groupView>>) => dated<z.input<typeof groupView>>(g);
const toProjectView = (p: Dated<z.input<typeof projectView>>) => dated<z.input<typeof projectView>>(p);

export const groupOperations = {
  list: defineOperation({
    name: 'groups.list',
    type: 'query',
    method: 'GET',
    path: '/groups',
    summary: 'Groups you can see (all of them for administrators)',
    input: z.strictObject({}),
    output: z.array(groupView.extend({ allowedActions: allowedActionsView })),
    async handler(_input, ctx) {
      const actor = actorOf(ctx);
      const rows = (await ctx.services.groups.list(actor)).map(toGroupView);
      return withAllowedActions(ctx.services, actor, 'group', rows);
    },
  }),
  get: defineOperation({
    name: 'groups.get',
    type: 'query',
    method: 'GET',
    path: '/groups/:groupId',
    summary: 'One group, with what you may do with it',
    input: z.strictObject({ groupId: id }),
    output: groupView.extend({ allowedActions: allowedActionsView }),
    async handler(input, ctx) {
      const actor = actorOf(ctx);
      const group = toGroupView(await ctx.services.groups.get(actor, input.groupId));
      return {
        ...group,
        allowedActions: await ctx.services.policy.actionsOn(actor, { type: 'group', id: group.id }),
      };
    },
  }),
  create: defineOperation({
    name: 'groups.create',
    type: 'mutation',
    method: 'POST',
    path: '/groups',
    successStatus: 201,
    summary: 'Create a top-level group (administrators) or a subgroup (Maintainer of the parent)',
    input: z.strictObject({
      name: z.string(),
      path: z.string(),
      parentId: id.nullable().optional(),
      description: z.string().optional(),
    }),
    output: groupView,
    async handler(input, ctx) {
      return toGroupView(await ctx.services.groups.create(actorOf(ctx), input));
    },
  }),
  update: defineOperation({
    name: 'groups.update',
    type: 'mutation',
    method: 'PATCH',
    path: '/groups/:groupId',
    summary: 'Rename a group or change its path segment or description (Owner); paths below follow',
    input: z.strictObject({
      groupId: id,
      name: z.string().optional(),
      path: z.string().optional(),
      description: z.string().optional(),
    }),
    output: groupView,
    async handler({ groupId, ...patch }, ctx) {
      return toGroupView(await ctx.services.groups.update(actorOf(ctx), groupId, patch));
    },
  }),
  move: defineOperation({
    name: 'groups.move',
    type: 'mutation',
    method: 'POST',
    path: '/groups/:groupId/move',
    summary: 'Nest a group under another (parentId) or make it top-level (parentId null)',
    input: z.strictObject({ groupId: id, parentId: id.nullable() }),
    output: groupView,
    async handler(input, ctx) {
      return toGroupView(await ctx.services.groups.move(actorOf(ctx), input.groupId, input.parentId));
    },
  }),
  delete: defineOperation({
    name: 'groups.delete',
    type: 'mutation',
    method: 'DELETE',
    path: '/groups/:groupId',
    summary: 'Delete an empty group (refused while it holds subgroups or projects)',
    input: z.strictObject({ groupId: id }),
    output: okView,
    async handler(input, ctx) {
      await ctx.services.groups.delete(actorOf(ctx), input.groupId);
      return { ok: true as const };
    },
  }),
};

export const projectOperations = {
  list: defineOperation({
    name: 'projects.list',
    type: 'query',
    method: 'GET',
    path: '/projects',
    summary: 'Projects you can see, optionally in one group',
    input: z.strictObject({ groupId: id.optional() }),
    output: z.array(projectView.extend({ allowedActions: allowedActionsView })),
    async handler(input, ctx) {
      const actor = actorOf(ctx);
      const rows = (await ctx.services.projects.list(actor, input)).map(toProjectView);
      return withAllowedActions(ctx.services, actor, 'project', rows);
    },
  }),
  get: defineOperation({
    name: 'projects.get',
    type: 'query',
    method: 'GET',
    path: '/projects/:projectId',
    summary: 'One project, with what you may do with it',
    input: z.strictObject({ projectId: id }),
    output: projectView.extend({ allowedActions: allowedActionsView }),
    async handler(input, ctx) {
      const actor = actorOf(ctx);
      const project = toProjectView(await ctx.services.projects.get(actor, input.projectId));
      return {
        ...project,
        allowedActions: await ctx.services.policy.actionsOn(actor, { type: 'project', id: project.id }),
      };
    },
  }),
  create: defineOperation({
    name: 'projects.create',
    type: 'mutation',
    method: 'POST',
    path: '/projects',
    successStatus: 201,
    summary: 'Create a project in a group (Maintainer of the group)',
    input: z.strictObject({
      groupId: id,
      name: z.string(),
      path: z.string(),
      description: z.string().optional(),
    }),
    output: projectView,
    async handler(input, ctx) {
      return toProjectView(await ctx.services.projects.create(actorOf(ctx), input));
    },
  }),
  update: defineOperation({
    name: 'projects.update',
    type: 'mutation',
    method: 'PATCH',
    path: '/projects/:projectId',
    summary: 'Rename a project or change its path segment or description (Maintainer)',
    input: z.strictObject({
      projectId: id,
      name: z.string().optional(),
      path: z.string().optional(),
      description: z.string().optional(),
    }),
    output: projectView,
    async handler({ projectId, ...patch }, ctx) {
      return toProjectView(await ctx.services.projects.update(actorOf(ctx), projectId, patch));
    },
  }),
  move: defineOperation({
    name: 'projects.move',
    type: 'mutation',
    method: 'POST',
    path: '/projects/:projectId/move',
    summary: 'Move a project to another group (Owner of the project and Maintainer of the target group)',
    input: z.strictObject({ projectId: id, groupId: id }),
    output: projectView,
    async handler(input, ctx) {
      return toProjectView(await ctx.services.projects.move(actorOf(ctx), input.projectId, input.groupId));
    },
  }),
  delete: defineOperation({
    name: 'projects.delete',
    type: 'mutation',
    method: 'DELETE',
    path: '/projects/:projectId',
    summary: 'Delete a project (Owner); refused while it has agents: delete them first',
    input: z.strictObject({ projectId: id }),
    output: okView,
    async handler(input, ctx) {
      await ctx.services.projects.delete(actorOf(ctx), input.projectId);
      return { ok: true as const };
    },
  }),
};
