import { z } from 'zod';
import { DIAL_STEPS, RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { CONNECTION_FAILURE_KINDS } from '@mooring/modules/shared/connection-failure';
import { actorOf } from '../actor';
import { defineOperation } from '../operation';
import { id, iso, okView, timestamp } from '../views';

const endpointView = z.object({
  agentId: id,
  url: z.string(),
  auth: z.enum(['jwt', 'mtls']),
  jwtPublicKey: z.string().nullable().describe('PEM; configure agentk with it to verify kas’s JWTs'),
  mtls: z
    .object({
      clientCert: z.string().nullable(),
      caCert: z.string().nullable(),
      serverName: z.string().nullable(),
      hasClientKey: z.boolean(),
    })
    .nullable(),
  serverCheck: z
    .object({ caCert: z.string().nullable(), serverName: z.string().nullable() })
    .describe(
      'how kas checks agentk’s certificate when it dials (both modes): CA (null: system roots) and TLS server name',
    ),
  updatedAt: timestamp,
});

const pem = z.string().max(64 * 1024, 'must be at most 64 KiB of PEM');

// How kas checks agentk's certificate when it dials (both auth modes): the CA and the TLS server name.
const serverCheck = {
  caCert: pem.optional(),
  serverName: z.string().max(253, 'must be at most 253 characters').optional(),
};

const draftInput = z.strictObject({
  agentId: id,
  url: z.string().max(2048, 'must be at most 2048 characters'),
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('jwt'), rotateKey: z.boolean().optional(), ...serverCheck }),
    z.strictObject({ type: z.literal('mtls'), clientCert: pem, clientKey: pem.optional(), ...serverCheck }),
  ]),
});

export const receptiveOperations = {
  state: defineOperation({
    name: 'receptive.state',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/receptive_endpoint/state',
    summary:
      'Whether this kas dials the agent: none, standby (another kas holds the lease), dialing, connected, or failing with the last error in words',
    input: z.strictObject({ agentId: id }),
    output: z.object({
      state: z.enum(['none', 'standby', 'dialing', 'connected', 'failing']),
      error: z.string().nullable(),
      kind: z.enum(CONNECTION_FAILURE_KINDS).nullable().describe('the failure class while failing'),
      since: z.string().nullable(),
    }),
    async handler(input, ctx) {
      // Authorizes like receptive.get (Developer); an agent without an endpoint is not dialed.
      if (!(await ctx.services.receptiveEndpoints.get(actorOf(ctx), input.agentId)))
        return { state: 'none' as const, error: null, kind: null, since: null };
      const link = ctx.kas.provided?.<ReceptiveDialer>(RECEPTIVE_DIALER)?.states().get(input.agentId);
      if (!link) return { state: 'dialing' as const, error: null, kind: null, since: null };
      return {
        state: link.state,
        error: link.state === 'failing' ? link.error : null,
        kind: link.state === 'failing' ? link.kind : null,
        since: 'since' in link ? iso(link.since) : null,
      };
    },
  }),
  states: defineOperation({
    name: 'receptive.states',
    type: 'query',
    method: 'GET',
    path: '/receptive_endpoints/states',
    summary:
      'The dial-out state of every receptive agent the caller may see (Developer on its project), as this kas knows it — the clusters overview polls it',
    input: z.strictObject({}),
    output: z.array(
      z.object({
        agentId: id,
        state: z.enum(['standby', 'dialing', 'connected', 'failing']),
        error: z.string().nullable(),
        kind: z.enum(CONNECTION_FAILURE_KINDS).nullable(),
      }),
    ),
    async handler(_input, ctx) {
      const visible = await ctx.services.agents.list(actorOf(ctx));
      const links = ctx.kas.provided?.<ReceptiveDialer>(RECEPTIVE_DIALER)?.states() ?? new Map();
      return visible
        .filter((a) => a.receptive)
        .map((a) => {
          const link = links.get(a.id) ?? { state: 'dialing' as const };
          return {
            agentId: a.id,
            state: link.state,
            error: link.state === 'failing' ? link.error : null,
            kind: link.state === 'failing' ? link.kind : null,
          };
        });
    },
  }),
  test: defineOperation({
    name: 'receptive.test',
    type: 'mutation',
    method: 'POST',
    path: '/agents/:agentId/receptive_endpoint/test',
    summary:
      'Test connection (Maintainer, at most 10 a minute per user, audited): kas dials once with the given values and reports each step — resolve, connect, TLS, handshake — and the failure in words; saves nothing',
    input: draftInput,
    output: z.object({
      ok: z.boolean(),
      steps: z.array(
        z.object({ step: z.enum(DIAL_STEPS), status: z.enum(['ok', 'failed', 'skipped', 'not_reached']) }),
      ),
      failure: z
        .object({ kind: z.enum(CONNECTION_FAILURE_KINDS), problem: z.string(), fix: z.string() })
        .nullable(),
      note: z.string().nullable(),
    }),
    async handler({ agentId, ...draft }, ctx) {
      const actor = actorOf(ctx);
      const plan = await ctx.services.receptiveEndpoints.planTest(actor, agentId, draft);
      const dialer = ctx.kas.provided?.<ReceptiveDialer>(RECEPTIVE_DIALER);
      if (!dialer) throw new Error('the receptive module is not running in this kas');
      const { jwt, ...creds } = plan;
      const result = await dialer.testDial(agentId, creds, jwt);
      await ctx.services.receptiveEndpoints.recordTest(actor, agentId, {
        url: plan.url,
        ok: result.ok,
        failedStep: result.steps.find((s) => s.status === 'failed')?.step ?? null,
        failure: result.failure?.kind ?? null,
      });
      return result;
    },
  }),
  get: defineOperation({
    name: 'receptive.get',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/receptive_endpoint',
    summary: 'The agent’s receptive endpoint (kas dials it), or null',
    input: z.strictObject({ agentId: id }),
    output: endpointView.nullable(),
    async handler(input, ctx) {
      const info = await ctx.services.receptiveEndpoints.get(actorOf(ctx), input.agentId);
      return info ? { ...info, updatedAt: iso(info.updatedAt) } : null;
    },
  }),
  save: defineOperation({
    name: 'receptive.save',
    type: 'mutation',
    method: 'PUT',
    path: '/agents/:agentId/receptive_endpoint',
    summary: 'Create or replace the receptive endpoint (Maintainer): grpc(s)://host:port with JWT or mTLS',
    input: draftInput,
    output: endpointView,
    async handler({ agentId, ...input }, ctx) {
      const info = await ctx.services.receptiveEndpoints.save(actorOf(ctx), agentId, input);
      return { ...info, updatedAt: iso(info.updatedAt) };
    },
  }),
  validate: defineOperation({
    name: 'receptive.validate',
    type: 'mutation',
    method: 'POST',
    path: '/agents/:agentId/receptive_endpoint/validate',
    summary:
      'What receptive.save would refuse, by field (Maintainer); saves nothing. The console form shows these as you type.',
    input: draftInput,
    output: z.object({
      problems: z
        .record(z.string(), z.string())
        .describe(
          'field (url, auth.clientCert, auth.clientKey, auth.caCert, auth.serverName) → what to fix; empty when valid',
        ),
    }),
    async handler({ agentId, ...draft }, ctx) {
      return { problems: await ctx.services.receptiveEndpoints.validate(actorOf(ctx), agentId, draft) };
    },
  }),
  delete: defineOperation({
    name: 'receptive.delete',
    type: 'mutation',
    method: 'DELETE',
    path: '/agents/:agentId/receptive_endpoint',
    summary: 'Remove the receptive endpoint; the agent must dial kas again',
    input: z.strictObject({ agentId: id }),
    output: okView,
    async handler(input, ctx) {
      await ctx.services.receptiveEndpoints.delete(actorOf(ctx), input.agentId);
      return { ok: true as const };
    },
  }),
};
