// Receptive agents: kas dials the agent's URL instead of waiting for it. Auth is either a JWT
// signed by kas with a per-agent Ed25519 key (the private key encrypted at rest with a key derived
// from MOORING_SECRET; the public key is shown so agentk can be configured with it) or mTLS with
// a client certificate, key (encrypted), CA and TLS server name.
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { agents, receptiveEndpoints } from '@mooring/db';
import { encodeJwt } from '@mooring/modules/shared/compact-jwt';
import { windowRateLimiter } from '@mooring/modules/shared/window-rate-limiter';
import { eq } from 'drizzle-orm';
import type { Actor } from './actor';
import { recordActivity } from './agent-activity';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { decryptString, deriveKey, encryptString } from './crypto';
import { NotFoundError, RateLimitedError, ValidationError } from './errors';
import {
  normalizeReceptiveUrl,
  receptiveDraftProblems,
  redactReceptiveUrl,
  type ReceptiveAuthDraft,
  type ReceptiveDraft,
} from './receptive-validation';

export type ReceptiveAuthInput = ReceptiveAuthDraft;

export interface ReceptiveEndpointInfo {
  agentId: number;
  url: string;
  auth: 'jwt' | 'mtls';
  /** PEM; configure agentk with it to verify kas's JWTs. */
  jwtPublicKey: string | null;
  mtls: {
    clientCert: string | null;
    caCert: string | null;
    serverName: string | null;
    hasClientKey: boolean;
  } | null;
  /** How kas checks agentk's certificate, in both modes: the CA (null: system roots) and the TLS server name. */
  serverCheck: { caCert: string | null; serverName: string | null };
  updatedAt: Date;
}

export interface ReceptiveCredentials {
  agentId: number;
  url: string;
  auth: 'jwt' | 'mtls';
  jwtPrivateKeyPem?: string;
  /** How kas checks agentk's certificate (both modes): the CA (null: system roots) and the TLS server name. */
  serverCheck: { caCert: string | null; serverName: string | null };
  mtls?: { clientCert: string; clientKey: string; caCert: string | null; serverName: string | null };
}

/** Test connection dials at most this many times a minute per user (the form must not be a port scanner). */
export const RECEPTIVE_TESTS_PER_MINUTE = 10;

/** What Test connection dials with: the draft's values, and the keys kas already holds where the draft keeps them. */
export interface ReceptiveTestPlan {
  url: string;
  auth: 'jwt' | 'mtls';
  serverCheck: { caCert: string | null; serverName: string | null };
  mtls?: { clientCert: string; clientKey: string };
  /** Signs a JWT with the stored key; null when the endpoint has no key pair yet (or the draft rotates it). */
  jwt: (() => Promise<string | null>) | null;
}

export function createReceptiveEndpointService(ctx: ServiceContext) {
  const { db, clock, policy, events } = ctx;
  const key = deriveKey(ctx.secret, 'receptive-endpoint-keys');
  const testLimiter = windowRateLimiter({
    limit: RECEPTIVE_TESTS_PER_MINUTE,
    maxKeys: 10_000,
    now: () => clock.now().getTime(),
  });

  async function row(agentId: number) {
    const [r] = await db.select().from(receptiveEndpoints).where(eq(receptiveEndpoints.agentId, agentId));
    return r ?? null;
  }

  function toInfo(r: NonNullable<Awaited<ReturnType<typeof row>>>): ReceptiveEndpointInfo {
    return {
      agentId: r.agentId,
      url: redactReceptiveUrl(r.url),
      auth: r.auth,
      jwtPublicKey: r.auth === 'jwt' ? r.jwtPublicKey : null,
      mtls:
        r.auth === 'mtls'
          ? {
              clientCert: r.mtlsClientCert,
              caCert: r.mtlsCaCert,
              serverName: r.tlsServerName,
              hasClientKey: !!r.mtlsClientKeyEncrypted,
            }
          : null,
      serverCheck: { caCert: r.mtlsCaCert, serverName: r.tlsServerName },
      updatedAt: r.updatedAt,
    };
  }

  /** Every problem of the draft; a new certificate must match the key kas already holds when none is sent. */
  function problemsOf(draft: ReceptiveDraft, existing: Awaited<ReturnType<typeof row>>) {
    const storedKey = existing?.mtlsClientKeyEncrypted
      ? decryptString(key, existing.mtlsClientKeyEncrypted)
      : null;
    return receptiveDraftProblems(draft, storedKey);
  }

  const service = {
    /**
     * The problems `save` would refuse, by field (empty when it would save), for the form to show as the user
     * types. Needs Maintainer, like `save`.
     */
    async validate(actor: Actor, agentId: number, draft: ReceptiveDraft): Promise<Record<string, string>> {
      await policy.authorize(actor, 'agent:write_receptive', { type: 'agent', id: agentId });
      return problemsOf(draft, await row(agentId));
    },

    /** Creates or replaces the endpoint and marks the agent receptive. Needs Maintainer. */
    async save(
      actor: Actor,
      agentId: number,
      input: { url: string; auth: ReceptiveAuthInput },
    ): Promise<ReceptiveEndpointInfo> {
      await policy.authorize(actor, 'agent:write_receptive', { type: 'agent', id: agentId });
      const existing = await row(agentId);
      const problems = problemsOf(input, existing);
      const first = Object.entries(problems)[0];
      if (first) throw new ValidationError(first[0], first[1]);
      const url = normalizeReceptiveUrl(input.url);
      const values: Partial<typeof receptiveEndpoints.$inferInsert> = {
        url,
        updatedBy: actor.userId,
        updatedAt: clock.now(),
      };
      const auth = input.auth;
      if (auth.type === 'jwt') {
        values.auth = 'jwt';
        values.mtlsCaCert = auth.caCert?.trim() ? auth.caCert : null;
        values.tlsServerName = auth.serverName?.trim() || null;
        if (!existing?.jwtPrivateKeyEncrypted || auth.rotateKey) {
          const pair = generateKeyPairSync('ed25519');
          values.jwtPublicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
          values.jwtPrivateKeyEncrypted = encryptString(
            key,
            pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          );
        }
      } else {
        values.auth = 'mtls';
        values.mtlsClientCert = auth.clientCert;
        if (auth.clientKey?.trim()) values.mtlsClientKeyEncrypted = encryptString(key, auth.clientKey);
        values.mtlsCaCert = auth.caCert?.trim() ? auth.caCert : null;
        values.tlsServerName = auth.serverName?.trim() || null;
      }
      const { saved, activity } = await db.transaction(async (tx) => {
        const [r] = existing
          ? await tx
              .update(receptiveEndpoints)
              .set(values)
              .where(eq(receptiveEndpoints.agentId, agentId))
              .returning()
          : await tx
              .insert(receptiveEndpoints)
              .values({ agentId, url, auth: values.auth!, ...values })
              .returning();
        await tx.update(agents).set({ receptive: true }).where(eq(agents.id, agentId));
        const activity = await recordActivity(tx, {
          agentId,
          kind: 'receptive_endpoint_changed',
          actorId: actor.userId,
          details: { url, auth: values.auth },
          at: clock.now(),
        });
        await writeAudit(
          tx,
          actor,
          {
            action: 'receptive_endpoint.save',
            targetType: 'agent',
            targetId: agentId,
            details: { url, auth: values.auth, keyRotated: !!values.jwtPrivateKeyEncrypted },
          },
          clock,
        );
        return { saved: r!, activity };
      });
      events.activityCommitted([activity]);
      return toInfo(saved);
    },

    /**
     * Test connection, before saving (Maintainer, rate-limited per user): checks the draft like `save` and returns
     * what to dial with. The dial itself is the receptive module's; `recordTest` audits its outcome.
     */
    async planTest(actor: Actor, agentId: number, draft: ReceptiveDraft): Promise<ReceptiveTestPlan> {
      await policy.authorize(actor, 'agent:write_receptive', { type: 'agent', id: agentId });
      const rate = testLimiter.take(`user:${actor.userId}`);
      if (!rate.allowed)
        throw new RateLimitedError(
          `at most ${RECEPTIVE_TESTS_PER_MINUTE} connection tests a minute per user; try again in ${rate.retryAfterSeconds} s`,
          rate.retryAfterSeconds,
        );
      const existing = await row(agentId);
      const first = Object.entries(problemsOf(draft, existing))[0];
      if (first) throw new ValidationError(first[0], first[1]);
      const auth = draft.auth;
      const serverCheck = {
        caCert: auth.caCert?.trim() ? auth.caCert : null,
        serverName: auth.serverName?.trim() || null,
      };
      const url = normalizeReceptiveUrl(draft.url);
      if (auth.type === 'jwt') {
        const hasKey = existing?.auth === 'jwt' && !!existing.jwtPrivateKeyEncrypted && !auth.rotateKey;
        return { url, auth: 'jwt', serverCheck, jwt: hasKey ? () => service.signJwt(agentId) : null };
      }
      const clientKey = auth.clientKey?.trim()
        ? auth.clientKey
        : decryptString(key, existing!.mtlsClientKeyEncrypted!);
      return { url, auth: 'mtls', serverCheck, mtls: { clientCert: auth.clientCert, clientKey }, jwt: null };
    },

    /** Audits a Test connection: where it dialed and how far it got (step names and the failure class only). */
    async recordTest(
      actor: Actor,
      agentId: number,
      outcome: { url: string; ok: boolean; failedStep: string | null; failure: string | null },
    ): Promise<void> {
      await writeAudit(
        db,
        actor,
        { action: 'receptive_endpoint.test', targetType: 'agent', targetId: agentId, details: outcome },
        clock,
      );
    },

    /** Null when the agent has no endpoint. Needs Developer. */
    async get(actor: Actor, agentId: number): Promise<ReceptiveEndpointInfo | null> {
      await policy.authorize(actor, 'agent:read_receptive', { type: 'agent', id: agentId });
      const r = await row(agentId);
      return r ? toInfo(r) : null;
    },

    async delete(actor: Actor, agentId: number): Promise<void> {
      await policy.authorize(actor, 'agent:write_receptive', { type: 'agent', id: agentId });
      const activity = await db.transaction(async (tx) => {
        const gone = await tx
          .delete(receptiveEndpoints)
          .where(eq(receptiveEndpoints.agentId, agentId))
          .returning({ url: receptiveEndpoints.url });
        if (gone.length === 0) throw new NotFoundError(`agent ${agentId} has no receptive endpoint`);
        await tx.update(agents).set({ receptive: false }).where(eq(agents.id, agentId));
        await writeAudit(
          tx,
          actor,
          {
            action: 'receptive_endpoint.delete',
            targetType: 'agent',
            targetId: agentId,
            details: { url: gone[0]!.url },
          },
          clock,
        );
        return recordActivity(tx, {
          agentId,
          kind: 'receptive_endpoint_changed',
          actorId: actor.userId,
          details: { url: gone[0]!.url, removed: true },
          at: clock.now(),
        });
      });
      events.activityCommitted([activity]);
    },

    /** Internal (the receptive dialer): decrypted credentials. Never log the result. */
    async credentials(agentId: number): Promise<ReceptiveCredentials | null> {
      const r = await row(agentId);
      if (!r) return null;
      const serverCheck = { caCert: r.mtlsCaCert, serverName: r.tlsServerName };
      if (r.auth === 'jwt')
        return {
          agentId,
          url: r.url,
          serverCheck,
          auth: 'jwt',
          jwtPrivateKeyPem: decryptString(key, r.jwtPrivateKeyEncrypted!),
        };
      return {
        agentId,
        url: r.url,
        auth: 'mtls',
        serverCheck,
        mtls: {
          clientCert: r.mtlsClientCert!,
          clientKey: decryptString(key, r.mtlsClientKeyEncrypted!),
          caCert: r.mtlsCaCert,
          serverName: r.tlsServerName,
        },
      };
    },

    /**
     * Internal (the receptive dialer): a short-lived EdDSA JWT for dialing the agent, signed with the
     * agent's private key; agentk verifies it with the public key shown in the console.
     * Null when the agent has no JWT endpoint.
     */
    async signJwt(
      agentId: number,
      opts: { audience?: string; ttlSeconds?: number } = {},
    ): Promise<string | null> {
      const r = await row(agentId);
      if (!r || r.auth !== 'jwt' || !r.jwtPrivateKeyEncrypted) return null;
      const privateKey = createPrivateKey(decryptString(key, r.jwtPrivateKeyEncrypted));
      const iat = Math.floor(clock.now().getTime() / 1000);
      return encodeJwt(
        'EdDSA',
        {
          iss: 'mooring-kas',
          aud: opts.audience ?? 'mooring-agentk',
          sub: `agent:${agentId}`,
          iat,
          nbf: iat - 5,
          exp: iat + (opts.ttlSeconds ?? 60),
          jti: randomUUID(),
        },
        (input) => sign(null, input, privateKey),
      );
    },

    /** Internal, the dialer's work list: every receptive endpoint's agent and when it was last saved. */
    listReceptiveEndpoints(): Promise<{ agentId: number; savedAt: Date }[]> {
      return db
        .select({ agentId: receptiveEndpoints.agentId, savedAt: receptiveEndpoints.updatedAt })
        .from(receptiveEndpoints);
    },
  };
  return service;
}
export type ReceptiveEndpointService = ReturnType<typeof createReceptiveEndpointService>;
