import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, okView, roleSchema } from '../views';

const memberView = z.object({
  userId: id,
  username: z.string(),
  name: z.string(),
  role: roleSchema.describe('effective role: the highest of direct and inherited'),
  directRole: roleSchema.nullable(),
  source: z.string().describe('where the effective role comes from: this target or an ancestor group path'),
});

const targetOf = (input: { groupId?: number; projectId?: number }) =>
  input.groupId !== undefined
    ? ({ type: 'group', id: input.groupId } as const)
    : ({ type: 'project', id: input.projectId! } as const);

/** Members of groups and projects share handlers; each has its own REST path. */
function memberOps<K extends 'groupId' | 'projectId'>(
  key: K,
  segment: 'groups' | 'projects',
  domain: string,
) {
  const targetKey = { [key]: id } as Record<K, typeof id>;
  return {
    list: defineOperation({
      name: `${domain}.list`,
      type: 'query',
      method: 'GET',
      path: `/${segment}/:${key}/members`,
      summary: `Members of a ${segment.slice(0, -1)} with their effective roles`,
      input: z.strictObject(targetKey),
      output: z.array(memberView),
      async handler(input, ctx) {
        return ctx.services.memberships.list(
          actorOf(ctx),
          targetOf(input as { groupId?: number; projectId?: number }),
        );
      },
    }),
    add: defineOperation({
      name: `${domain}.add`,
      type: 'mutation',
      method: 'POST',
      path: `/${segment}/:${key}/members`,
      summary: `Add a member to a ${segment.slice(0, -1)} by username, or change their role (Owner)`,
      input: z.strictObject({
        ...targetKey,
        username: z.string().min(1).max(255).describe('the username of the user to add'),
        role: roleSchema,
      }),
      output: z.array(memberView),
      async handler(input, ctx) {
        const typed = input as {
          groupId?: number;
          projectId?: number;
          username: string;
          role: z.infer<typeof roleSchema>;
        };
        return ctx.services.memberships.add(actorOf(ctx), targetOf(typed), {
          username: typed.username,
          role: typed.role,
        });
      },
    }),
    set: defineOperation({
      name: `${domain}.set`,
      type: 'mutation',
      method: 'PUT',
      path: `/${segment}/:${key}/members/:userId`,
      summary: `Add a member to a ${segment.slice(0, -1)} or change their role (Owner)`,
      input: z.strictObject({
        ...targetKey,
        userId: id,
        role: roleSchema,
        username: z
          .string()
          .max(255)
          .optional()
          .describe('the user’s username; required to add someone unless you are an administrator'),
      }),
      output: z.array(memberView),
      async handler(input, ctx) {
        const typed = input as {
          groupId?: number;
          projectId?: number;
          userId: number;
          role: z.infer<typeof roleSchema>;
          username?: string;
        };
        return ctx.services.memberships.set(actorOf(ctx), targetOf(typed), {
          userId: typed.userId,
          role: typed.role,
          ...(typed.username !== undefined && { username: typed.username }),
        });
      },
    }),
    remove: defineOperation({
      name: `${domain}.remove`,
      type: 'mutation',
      method: 'DELETE',
      path: `/${segment}/:${key}/members/:userId`,
      summary: `Remove a member from a ${segment.slice(0, -1)} (Owner)`,
      input: z.strictObject({ ...targetKey, userId: id }),
      output: okView,
      async handler(input, ctx) {
        const typed = input as { groupId?: number; projectId?: number; userId: number };
        await ctx.services.memberships.remove(actorOf(ctx), targetOf(typed), typed.userId);
        return { ok: true as const };
      },
    }),
  };
}

export const groupMemberOperations = memberOps('groupId', 'groups', 'members.group');
export const projectMemberOperations = memberOps('projectId', 'projects', 'members.project');
