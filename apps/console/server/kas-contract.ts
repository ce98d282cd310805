// PROPOSAL for kas (the "kas-process" and "services" helpers own the real router in apps/kas/src/trpc/router.ts).
// This is the tRPC surface the console is written against: procedure names, inputs and the shapes the pages read.
// Resolvers here never run; only `typeof kasContractRouter` is used, and only until kas exports `AppRouter`.
// Live data: subscriptions yield `tracked(eventId, data)` so a reconnecting client resumes from `lastEventId`,
// and initTRPC is created with `sse: { ping: { enabled: true, intervalMs: 10_000 },
// client: { reconnectAfterInactivityMs: 20_000 } }`.
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';

const t = initTRPC.create({
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
});

const notHere = (): never => {
  throw new TRPCError({ code: 'NOT_IMPLEMENTED', message: 'contract only: served by kas' });
};

const iso = z.string(); // ISO 8601 timestamps
const id = z.number().int();

export const streamCounts = z.object({ active: z.number(), idle: z.number(), limit: z.number() });

export const agentConnection = z.object({
  podName: z.string(),
  podNamespace: z.string(),
  agentVersion: z.string(),
  kubernetesVersion: z.string().nullable(),
  kasReplica: z.string(),
  connectedAt: iso,
  lastSeenAt: iso,
  configVersion: z.number().nullable(),
  streams: streamCounts,
});

export const agentRow = z.object({
  id,
  name: z.string(),
  projectId: id,
  projectPath: z.string(),
  receptive: z.boolean(),
  createdAt: iso,
  /** Last time any pod of this agent was seen; null = never connected. */
  lastSeenAt: iso.nullable(),
  /** Pods connected now (empty = not connected). */
  connections: z.array(agentConnection),
  /** Why it is not connected, when kas knows (e.g. "token ci-deploy revoked 3 min ago"). */
  disconnectReason: z.string().nullable(),
  /** Newest config version saved, and its validity. */
  configVersion: z.number().nullable(),
});

export const agentEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('upsert'), agent: agentRow }),
  z.object({ type: z.literal('removed'), agentId: id }),
]);

export const activityEntry = z.object({
  id,
  kind: z.string(),
  message: z.string(),
  at: iso,
  actor: z.string().nullable(),
});

export const agentToken = z.object({
  id,
  name: z.string(),
  description: z.string(),
  status: z.enum(['active', 'revoked']),
  createdBy: z.string(),
  createdAt: iso,
  lastUsedAt: iso.nullable(),
});

export const configError = z.object({
  line: z.number().nullable(),
  column: z.number().nullable().optional(),
  path: z.string(),
  message: z.string(),
});

export const configVersion = z.object({
  version: z.number(),
  yaml: z.string(),
  author: z.string(),
  createdAt: iso,
});

export const receptiveEndpoint = z.object({
  url: z.string(),
  auth: z.discriminatedUnion('type', [
    z.object({ type: z.literal('jwt'), publicKey: z.string() }),
    z.object({ type: z.literal('mtls'), tlsServerName: z.string(), hasClientCert: z.boolean() }),
  ]),
  updatedAt: iso,
});

export const receptiveInput = z.object({
  agentId: id,
  url: z.string(),
  auth: z.discriminatedUnion('type', [
    z.object({ type: z.literal('jwt') }),
    z.object({
      type: z.literal('mtls'),
      clientCert: z.string(),
      clientKey: z.string(),
      caCert: z.string(),
      tlsServerName: z.string(),
    }),
  ]),
});

const user = z.object({
  id,
  username: z.string(),
  name: z.string(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
});
const group = z.object({ id, name: z.string(), path: z.string(), parentId: id.nullable() });
const project = z.object({ id, name: z.string(), path: z.string(), groupId: id });
const role = z.enum(['guest', 'reporter', 'developer', 'maintainer', 'owner']);
const memberTarget = z.object({ kind: z.enum(['group', 'project']), id });
const member = z.object({ userId: id, username: z.string(), role, inheritedFrom: z.string().nullable() });
const pat = z.object({
  id,
  name: z.string(),
  scopes: z.array(z.string()),
  expiresAt: iso.nullable(),
  lastUsedAt: iso.nullable(),
  createdAt: iso,
  status: z.enum(['active', 'revoked', 'expired']),
});
const auditRow = z.object({
  id,
  at: iso,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  address: z.string().nullable(),
  details: z.string().nullable(),
});

const q = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) =>
  t.procedure.input(input).output(output).query(notHere);
const m = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) =>
  t.procedure.input(input).output(output).mutation(notHere);
const none = z.object({}).optional();

export const kasContractRouter = t.router({
  session: t.router({
    me: q(none, z.object({ user, csrfToken: z.string().optional() })),
  }),
  meta: t.router({
    version: q(
      none,
      z.object({
        kasVersion: z.string(),
        /** Address agentk dials (design.md §2, port 8150), e.g. grpc://kas.example.com:8150 — for install commands. */
        agentAddress: z.string().optional(),
      }),
    ),
  }),
  agents: t.router({
    list: q(none, z.array(agentRow)),
    get: q(z.object({ agentId: id }), agentRow),
    register: m(z.object({ projectId: id, name: z.string() }), agentRow),
    delete: m(z.object({ agentId: id }), z.object({ ok: z.boolean() })),
    kubeconfig: q(z.object({ agentId: id }), z.object({ filename: z.string(), yaml: z.string() })),
    activity: q(z.object({ agentId: id }), z.array(activityEntry)),
    /** One event per change, at most one per agent per second; resumes after lastEventId. */
    onChange: t.procedure
      .input(z.object({ agentId: id.optional(), lastEventId: z.string().nullish() }).optional())
      .subscription(async function* () {
        yield notHere() as z.infer<typeof agentEvent>;
      }),
    onActivity: t.procedure
      .input(z.object({ agentId: id, lastEventId: z.string().nullish() }))
      .subscription(async function* () {
        yield notHere() as z.infer<typeof activityEntry>;
      }),
  }),
  agentTokens: t.router({
    list: q(z.object({ agentId: id }), z.array(agentToken)),
    create: m(
      z.object({ agentId: id, name: z.string(), description: z.string() }),
      z.object({ token: agentToken, secret: z.string() }),
    ),
    revoke: m(z.object({ tokenId: id }), agentToken),
  }),
  agentConfig: t.router({
    get: q(z.object({ agentId: id }), configVersion.nullable()),
    validate: q(
      z.object({ yaml: z.string() }),
      z.object({ valid: z.boolean(), errors: z.array(configError) }),
    ),
    save: m(
      z.object({ agentId: id, yaml: z.string() }),
      z.object({ saved: configVersion.nullable(), errors: z.array(configError) }),
    ),
    history: q(z.object({ agentId: id }), z.array(configVersion.omit({ yaml: true }))),
    version: q(z.object({ agentId: id, version: z.number() }), configVersion),
  }),
  receptive: t.router({
    get: q(z.object({ agentId: id }), receptiveEndpoint.nullable()),
    save: m(receptiveInput, receptiveEndpoint),
  }),
  groups: t.router({
    list: q(none, z.array(group)),
    create: m(z.object({ name: z.string(), path: z.string(), parentId: id.nullable() }), group),
  }),
  projects: t.router({
    list: q(none, z.array(project)),
    create: m(z.object({ groupId: id, name: z.string(), path: z.string() }), project),
  }),
  members: t.router({
    list: q(z.object({ target: memberTarget }), z.array(member)),
    add: m(z.object({ target: memberTarget, username: z.string(), role }), member),
    remove: m(z.object({ target: memberTarget, userId: id }), z.object({ ok: z.boolean() })),
  }),
  users: t.router({
    list: q(none, z.array(user)),
    create: m(
      z.object({ username: z.string(), name: z.string(), password: z.string(), isAdmin: z.boolean() }),
      user,
    ),
    update: m(
      z.object({ userId: id, isAdmin: z.boolean().optional(), disabled: z.boolean().optional() }),
      user,
    ),
  }),
  audit: t.router({
    list: q(
      z.object({
        actor: z.string().optional(),
        action: z.string().optional(),
        target: z.string().optional(),
      }),
      z.array(auditRow),
    ),
  }),
  pats: t.router({
    list: q(none, z.array(pat)),
    create: m(
      z.object({ name: z.string(), scopes: z.array(z.string()), expiresAt: iso.nullable() }),
      z.object({ token: pat, secret: z.string() }),
    ),
    revoke: m(z.object({ id }), pat),
  }),
});

export type KasContractRouter = typeof kasContractRouter;
