import { z } from 'zod';
import { ApiError } from '../errors';
import { actorOf } from '../actor';
import { allowedGlobalActionsView } from '../allowed-actions';
import { defineOperation } from '../operation';
import { timestamp, toUserView, userView } from '../views';

export const sessionCookieName = 'mooring_session';

const sessionView = z.object({
  user: userView,
  csrfToken: z.string().describe('send as X-Csrf-Token on every mutation made with the session cookie'),
  expiresAt: timestamp,
});

export const sessionOperations = {
  login: defineOperation({
    name: 'session.login',
    type: 'mutation',
    access: 'public',
    method: 'POST',
    path: '/session',
    summary: 'Log in: sets an httpOnly session cookie and returns the CSRF token for mutations',
    input: z.strictObject({
      username: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
      password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
    }),
    output: sessionView,
    async handler(input, ctx) {
      const result = await ctx.services.sessions.login({
        username: input.username,
        password: input.password,
        address: ctx.remoteAddress ?? 'unknown',
        userAgent: ctx.userAgent,
      });
      const maxAge = (result.expiresAt.getTime() - Date.now()) / 1000;
      ctx.response.setCookie(sessionCookieName, result.sessionId, { maxAgeSeconds: maxAge });
      return {
        user: toUserView(result.user),
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt.toISOString(),
      };
    },
  }),

  me: defineOperation({
    name: 'session.me',
    type: 'query',
    method: 'GET',
    path: '/session',
    summary: 'The signed-in user and how they authenticated (with the CSRF token for sessions)',
    input: z.strictObject({}),
    output: z.object({
      user: userView,
      authMethod: z.enum(['session', 'personal_access_token']),
      csrfToken: z.string().optional().describe('present for cookie sessions: send it as X-Csrf-Token'),
      scopes: z.array(z.string()).optional().describe('present for personal access tokens'),
      canCreateGroups: z
        .boolean()
        .describe(
          'whether this user may create top-level groups (administrators, or everyone when kas allows it)',
        ),
      allowedActions: allowedGlobalActionsView,
    }),
    async handler(_input, ctx) {
      const user = await ctx.services.users.get(ctx.user.id);
      if (!user) throw new ApiError(401, 'unauthenticated', 'your account no longer exists; log in again');
      const { principal } = ctx;
      return {
        user: toUserView(user),
        authMethod: principal.kind === 'pat' ? ('personal_access_token' as const) : ('session' as const),
        canCreateGroups: ctx.services.groups.canCreateTopLevel(actorOf(ctx)),
        allowedActions: ctx.services.policy.globalActions(actorOf(ctx)),
        ...(principal.kind === 'session'
          ? { csrfToken: ctx.services.sessions.csrfToken(principal.sessionToken) }
          : {}),
        ...(principal.kind === 'pat' ? { scopes: [...principal.scopes] } : {}),
      };
    },
  }),

  logout: defineOperation({
    name: 'session.logout',
    type: 'mutation',
    method: 'DELETE',
    path: '/session',
    summary: 'Log out: ends the session and clears the cookie',
    input: z.strictObject({}),
    output: z.object({ loggedOut: z.literal(true) }),
    async handler(_input, ctx) {
      const { principal } = ctx;
      if (principal.kind !== 'session') {
        throw new ApiError(
          400,
          'bad_request',
          'logout ends a session cookie; this request used a personal access token: revoke the token instead',
        );
      }
      await ctx.services.sessions.logout(principal.sessionToken, ctx.remoteAddress);
      ctx.response.clearCookie(sessionCookieName);
      return { loggedOut: true as const };
    },
  }),
};
