import { z } from 'zod';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, isoOrNull, timestamp } from '../views';

const scope = z.enum(['api', 'read_api', 'k8s_proxy']);

export const patView = z.object({
  id,
  userId: id,
  name: z.string(),
  scopes: z.array(scope),
  expiresAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  createdAt: timestamp,
});

export function toPatView(info: {
  id: number;
  userId: number;
  name: string;
  scopes: z.infer<typeof scope>[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}): z.input<typeof patView> {
  return {
    id: info.id,
    userId: info.userId,
    name: info.name,
    scopes: info.scopes,
    expiresAt: isoOrNull(info.expiresAt),
    lastUsedAt: isoOrNull(info.lastUsedAt),
    revokedAt: isoOrNull(info.revokedAt),
    createdAt: iso(info.createdAt),
  };
}

export const personalAccessTokenOperations = {
  list: defineOperation({
    name: 'personalAccessTokens.list',
    type: 'query',
    method: 'GET',
    path: '/personal_access_tokens',
    summary: 'Your personal access tokens (administrators may pass userId)',
    input: z.strictObject({ userId: id.optional() }),
    output: z.array(patView),
    async handler(input, ctx) {
      return (await ctx.services.personalAccessTokens.list(actorOf(ctx), input.userId)).map(toPatView);
    },
  }),

  create: defineOperation({
    name: 'personalAccessTokens.create',
    type: 'mutation',
    method: 'POST',
    path: '/personal_access_tokens',
    successStatus: 201,
    summary: 'Create a personal access token; the token is returned only in this answer',
    input: z.strictObject({
      name: z.string(),
      scopes: z.array(scope).min(1, 'needs at least one scope: api, read_api, k8s_proxy'),
      expiresAt: timestamp.nullable().optional(),
    }),
    output: z.object({
      token: patView,
      secret: z.string().describe('the token itself (mpat-…); shown only in this answer, store it now'),
    }),
    async handler(input, ctx) {
      const { token, info } = await ctx.services.personalAccessTokens.create(actorOf(ctx), {
        name: input.name,
        scopes: input.scopes,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      });
      return { token: toPatView(info), secret: token };
    },
  }),

  revoke: defineOperation({
    name: 'personalAccessTokens.revoke',
    type: 'mutation',
    method: 'DELETE',
    path: '/personal_access_tokens/:tokenId',
    summary: 'Revoke one of your personal access tokens',
    input: z.strictObject({ tokenId: id }),
    output: patView,
    async handler(input, ctx) {
      return toPatView(await ctx.services.personalAccessTokens.revoke(actorOf(ctx), input.tokenId));
    },
  }),
};
