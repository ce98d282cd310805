import { z } from 'zod';
import { actorOf } from '../actor';
import { ApiError } from '../errors';
import { defineOperation } from '../operation';
import { id, okView, toUserView, userView } from '../views';

export const userOperations = {
  list: defineOperation({
    name: 'users.list',
    type: 'query',
    method: 'GET',
    path: '/users',
    summary: 'All users (administrators only)',
    input: z.strictObject({}),
    output: z.array(userView),
    async handler(_input, ctx) {
      return (await ctx.services.users.list(actorOf(ctx))).map(toUserView);
    },
  }),

  create: defineOperation({
    name: 'users.create',
    type: 'mutation',
    method: 'POST',
    path: '/users',
    successStatus: 201,
    summary: 'Create a local user (administrators only)',
    input: z.strictObject({
      username: z.string(),
      password: z.string(),
      name: z.string().optional(),
      email: z.string().nullable().optional(),
      isAdmin: z.boolean().optional(),
    }),
    output: userView,
    async handler(input, ctx) {
      return toUserView(await ctx.services.users.create(actorOf(ctx), input));
    },
  }),

  get: defineOperation({
    name: 'users.get',
    type: 'query',
    method: 'GET',
    path: '/users/:userId',
    summary: 'One user (administrators, or yourself)',
    input: z.strictObject({ userId: id }),
    output: userView,
    async handler(input, ctx) {
      if (!ctx.user.isAdmin && ctx.user.id !== input.userId) {
        throw new ApiError(404, 'not_found', `user ${input.userId} not found`);
      }
      const user = await ctx.services.users.get(input.userId);
      if (!user) throw new ApiError(404, 'not_found', `user ${input.userId} not found`);
      return toUserView(user);
    },
  }),

  update: defineOperation({
    name: 'users.update',
    type: 'mutation',
    method: 'PATCH',
    path: '/users/:userId',
    summary: 'Change a user’s name, admin flag or disabled flag (administrators only)',
    input: z.strictObject({
      userId: id,
      name: z.string().optional(),
      isAdmin: z.boolean().optional(),
      disabled: z.boolean().optional(),
    }),
    output: userView,
    async handler({ userId, ...patch }, ctx) {
      return toUserView(await ctx.services.users.update(actorOf(ctx), userId, patch));
    },
  }),

  changePassword: defineOperation({
    name: 'users.changePassword',
    type: 'mutation',
    method: 'PUT',
    path: '/users/:userId/password',
    summary:
      'Set a password: your own (with currentPassword) or anyone’s as an administrator; ends the user’s sessions',
    input: z.strictObject({
      userId: id,
      currentPassword: z.string().optional(),
      newPassword: z.string(),
    }),
    output: okView,
    async handler({ userId, ...rest }, ctx) {
      await ctx.services.users.changePassword(actorOf(ctx), userId, rest);
      return { ok: true as const };
    },
  }),
};
