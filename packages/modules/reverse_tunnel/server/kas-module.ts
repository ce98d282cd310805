// The agent listener as a kas module. It matches apps/kas/src/module.ts's KasModule structurally (modules do not
// import the app) and adapts kas's services (agentTokens, agentConnections, agentConfigs, events) to the
// listener's small interfaces. Settings come from the options, else from the environment (validated with zod).
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { NotifyingConfigSource } from '../../agent_configuration/server/index';
import type { AgentConnectionRecorder, ConnectedAgents } from '../../agent_registrar/server/index';
import { listenerTimeoutsFrom, type ListenerTimeoutSettings } from '../../shared/listener-timeouts';
import type { AgentDialer } from '../shared/tunnel-api';
import type { AgentIdentity } from './agent-auth';
import { type AgentApiServer, startAgentApiServer } from './agent-api-server';
import type { AgentApiTls } from './tls';

/** The parts of kas's services the agent listener uses (see apps/kas/src/services). */
export interface AgentApiServices {
  agentTokens: {
    verify(token: string): Promise<AgentIdentity | null>;
    onRevoked(listener: (e: { tokenId: number; agentId: number }) => void): () => void;
    stats?(): { dbLookups: number };
  };
  agentConnections: {
    record(report: {
      agentId: number;
      podNamespace: string;
      podName: string;
      agentVersion?: string;
      commit?: string;
      kubernetesVersion?: string;
      kasReplica?: string;
      configVersion?: number | null;
    }): Promise<unknown>;
    markDisconnected(
      pod: { agentId: number; podNamespace: string; podName: string },
      reason?: string,
    ): Promise<void>;
    listInternal(
      agentId: number,
      opts?: { includeDisconnected?: boolean },
    ): Promise<Array<{ lastSeenAt: Date }>>;
  };
  agentConfigs: {
    live(agentId: number): Promise<{ version: number; yaml: string; config: unknown } | null>;
    onChanged(listener: (e: { agentId: number; version: number }) => void): () => void;
  };
  events?: { agentDeleted?: { subscribe(listener: (e: { agentId: number }) => void): () => void } };
}

/** The parts of kas's KasModuleContext the agent listener uses. */
export interface AgentApiModuleContext {
  config: { dataDir: string; listenHost: string; agentPort: number } & ListenerTimeoutSettings;
  logger: Logger;
  metrics: Registry;
  services: AgentApiServices;
  addReadinessCheck(check: { name: string; check(): Promise<void> }): void;
}

const seconds = (what: string) =>
  z.coerce.number({ error: `expected ${what} in seconds` }).positive(`expected ${what} in seconds, above 0`);

const envSchema = z.object({
  MOORING_AGENT_TLS: z
    .enum(['self-signed', 'insecure'], {
      error: 'expected "self-signed" (default) or "insecure" (plain h2c)',
    })
    .optional(),
  MOORING_AGENT_TLS_CERT_FILE: z.string().min(1).optional(),
  MOORING_AGENT_TLS_KEY_FILE: z.string().min(1).optional(),
  MOORING_AGENT_STREAM_LIMIT: z.coerce
    .number({ error: 'expected a whole number of streams per agent' })
    .int('expected a whole number of streams per agent')
    .min(2, 'expected at least 2 streams per agent (agentk keeps 2 idle)')
    .optional(),
  MOORING_AGENT_MAX_CONNECTION_AGE: seconds('the maximum connection age').optional(),
  MOORING_AGENT_MAX_CONNECTION_AGE_GRACE: seconds('the grace period for calls in flight').optional(),
  MOORING_AGENT_ROUTING_TIMEOUT: seconds('how long a call waits for a tunnel').optional(),
});

export interface AgentApiModuleOptions {
  tls?: AgentApiTls;
  streamsPerAgent?: number;
  maxConnectionAge?: { ageMs?: number; graceMs?: number };
  routingTimeoutMs?: number;
  /** A pod with no tunnel for this long is marked disconnected (default 5 s). */
  disconnectAfterMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface AgentApiKasModule {
  readonly name: 'agent_api';
  start(ctx: AgentApiModuleContext): Promise<{ ports: Record<string, number>; urls: Record<string, string> }>;
  stop(): Promise<void>;
  /** For the modules that call agents (kubernetes_api): available once start() resolved. */
  dialer(): AgentDialer;
  /** Connected pods for the console: available once start() resolved. */
  connectedAgents(): ConnectedAgents;
  /** The running server (tests): available once start() resolved. */
  server(): AgentApiServer;
}

export function createAgentApiKasModule(options: AgentApiModuleOptions = {}): AgentApiKasModule {
  let server: AgentApiServer | null = null;
  const unsubscribe: Array<() => void> = [];
  const started = <T>(get: (s: AgentApiServer) => T): T => {
    if (!server) throw new Error('the agent_api module has not started yet');
    return get(server);
  };
  return {
    name: 'agent_api',
    async start(ctx) {
      const parsedEnv = envSchema.safeParse(options.env ?? process.env);
      if (!parsedEnv.success)
        throw new Error(
          `invalid agent listener settings: ${parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      const env = parsedEnv.data;
      if (!!env.MOORING_AGENT_TLS_CERT_FILE !== !!env.MOORING_AGENT_TLS_KEY_FILE)
        throw new Error('MOORING_AGENT_TLS_CERT_FILE and MOORING_AGENT_TLS_KEY_FILE must be set together');
      const tls: AgentApiTls =
        options.tls ??
        (env.MOORING_AGENT_TLS_CERT_FILE
          ? {
              mode: 'files',
              certFile: env.MOORING_AGENT_TLS_CERT_FILE,
              keyFile: env.MOORING_AGENT_TLS_KEY_FILE!,
            }
          : env.MOORING_AGENT_TLS === 'insecure'
            ? { mode: 'insecure' }
            : { mode: 'self-signed', dir: join(ctx.config.dataDir, 'tls', 'agent-api') });
      const { services, logger } = ctx;
      // The replica's name as operators see it: host and agent port, or host and pid when the port is picked at start.
      const kasReplica = `${hostname()}:${ctx.config.agentPort || process.pid}`;
      const configSource = new NotifyingConfigSource(async (agentId) => {
        const live = await services.agentConfigs.live(agentId);
        return live ? { version: String(live.version), yaml: live.yaml, config: live.config } : null;
      });
      unsubscribe.push(
        services.agentConfigs.onChanged(({ agentId }) => configSource.notifyConfigChanged(agentId)),
      );
      const recorder: AgentConnectionRecorder = {
        async upsertConnection(c) {
          const kv = c.kubernetesVersion;
          await services.agentConnections.record({
            agentId: c.agentId,
            podNamespace: c.podNamespace,
            podName: c.podName,
            agentVersion: c.agentVersion,
            commit: c.agentCommit,
            kubernetesVersion: kv ? kv.gitVersion || `v${kv.major}.${kv.minor}` : '',
            kasReplica: c.kasReplica,
            ...(c.configVersion !== null &&
              /^\d+$/.test(c.configVersion) && { configVersion: Number(c.configVersion) }),
          });
        },
        markDisconnected: (pod, reason) =>
          services.agentConnections.markDisconnected(
            { agentId: pod.agentId, podNamespace: pod.podNamespace, podName: pod.podName },
            reason,
          ),
      };
      const verify = async (token: string) => {
        // The token service caches; comparing its lookup counter tells a cache hit from a miss (approximate
        // under concurrent verifications, good enough for a hit-ratio metric).
        const before = services.agentTokens.stats?.().dbLookups;
        const identity = await services.agentTokens.verify(token);
        const after = services.agentTokens.stats?.().dbLookups;
        return identity
          ? { ...identity, fromCache: before === undefined ? undefined : before === after }
          : null;
      };
      server = await startAgentApiServer({
        host: ctx.config.listenHost,
        port: ctx.config.agentPort,
        tls,
        verifyAgentToken: verify,
        onRevoked: (listener) => services.agentTokens.onRevoked(listener),
        recorder,
        configSource,
        limits: {
          streamsPerAgent: options.streamsPerAgent ?? env.MOORING_AGENT_STREAM_LIMIT,
          routingTimeoutMs:
            options.routingTimeoutMs ??
            (env.MOORING_AGENT_ROUTING_TIMEOUT ? env.MOORING_AGENT_ROUTING_TIMEOUT * 1000 : undefined),
        },
        maxConnectionAge: options.maxConnectionAge ?? {
          ageMs: env.MOORING_AGENT_MAX_CONNECTION_AGE
            ? env.MOORING_AGENT_MAX_CONNECTION_AGE * 1000
            : undefined,
          graceMs: env.MOORING_AGENT_MAX_CONNECTION_AGE_GRACE
            ? env.MOORING_AGENT_MAX_CONNECTION_AGE_GRACE * 1000
            : undefined,
        },
        kasReplica,
        timeouts: listenerTimeoutsFrom(ctx.config),
        disconnectAfterMs: options.disconnectAfterMs,
        lastSeen: async (agentId) => {
          const rows = await services.agentConnections.listInternal(agentId, { includeDisconnected: true });
          return rows.reduce<Date | null>(
            (latest, r) => (!latest || r.lastSeenAt > latest ? r.lastSeenAt : latest),
            null,
          );
        },
        logger,
        metricsRegistry: ctx.metrics,
      });
      const running = server;
      // A deleted agent's tokens are gone: close its streams like a revocation.
      const agentDeleted = services.events?.agentDeleted;
      if (agentDeleted)
        unsubscribe.push(
          agentDeleted.subscribe(({ agentId }) => {
            for (const tunnel of running.registry.allTunnels())
              if (tunnel.agentId === agentId) {
                running.connectedAgents.noteDisconnectReason(agentId, `agent ${agentId} was deleted`);
                running.registry.unregister(tunnel);
                tunnel.close(`agent ${agentId} was deleted`);
              }
          }),
        );
      ctx.addReadinessCheck({ name: 'agent listener', check: async () => void started((s) => s.port) });
      return {
        ports: { agent: running.port },
        urls: { agent: running.url, ...(running.caFile ? { agentCaFile: running.caFile } : {}) },
      };
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      await server?.stop();
    },
    dialer: () => started((s) => s.dialer),
    connectedAgents: () => started((s) => s.connectedAgents),
    server: () => started((s) => s),
  };
}
