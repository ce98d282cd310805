// kas-to-kas routing as a kas module. It starts before the reverse tunnel, so its private API listener is bound and
// its address known when the tunnel tracker records this replica; routed calls that arrive are served by the
// reverse tunnel's own dialer once that started. With a shared tracker (REDIS_URL) the modules that call agents get
// the routing dialer; alone, kas has no one to route to and they get the tunnel's dialer unchanged (no listener).
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { readCertificateFiles } from '../../shared/certificates';
import { deriveKey } from '../../shared/derive-key';
import type { RedisConnection } from '../../shared/redis-connection';
import { settingValues } from '../../shared/settings';
import type { AgentDialer, TunnelDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { createKasRoutingMetrics } from './metrics';
import { createPeerClients, type PeerClients } from './peer-clients';
import { privateApiJwtSigner, privateApiJwtVerifier } from './private-api-jwt';
import { type RunningPrivateApiServer, startPrivateApiServer } from './private-api-server';
import { type ReplicaAddresses, redisReplicaAddresses } from './replica-addresses';
import {
  KAS_REPLICAS,
  type LocalStatus,
  MAX_LISTED_REPLICAS,
  type ReplicaDirectory,
  type ReplicaSummary,
  reasonOf,
  summaryOf,
} from './replica-status';
import { createRoutingDialer } from './routing-dialer';
import { kasRoutingSettings } from './settings';

/** What the module reads of the tunnel tracker (reverse_tunnel/server's TunnelTracker). */
export interface RoutingTracker {
  readonly self: string;
  kasUrlsFor(agentId: number): Promise<string[]>;
}

export interface KasRoutingModuleOptions {
  /** The reverse tunnel's own dialer, once it started. */
  tunnelDialer: () => TunnelDialer;
  /** The tunnel tracker (its `self` and kasUrlsFor speak replica names), once the reverse tunnel started. */
  tracker: () => RoutingTracker;
  routingTimeoutMs?: () => number | undefined;
  /** How many agents hold tunnels on this replica and how many tunnels, for the console's list of replicas. */
  holdings?: () => { agents: number; tunnels: number };
}

export interface KasRoutingModuleContext {
  config: {
    privateApiPort: number;
    privateApiSecret?: string;
    listenHost: string;
  };
  secret: Buffer;
  logger: Logger;
  metrics: Registry;
  /** The shared Redis (REDIS_URL); unset: kas runs alone and routes nothing. */
  redis: RedisConnection | undefined;
  /** This replica's name, as the tunnel tracker lists it. */
  replica: string;
  /** How long routed calls in flight may take to finish when kas stops (MOORING_SHUTDOWN_GRACE). */
  shutdownGraceMs?: number;
  /** What this replica's /readyz answers now (kas's KasModuleContext.readiness). */
  readiness?: () => Promise<{ ready: boolean; lines: string[] }>;
  /** Hands the replica directory (KAS_REPLICAS) to the console API. */
  provide?(name: string, value: unknown): void;
  /** Aborted when kas begins to drain: this replica's status ("shutting down") is written at once. */
  signal?: AbortSignal;
}

export interface KasRoutingKasModule {
  readonly name: 'kas_routing';
  readonly settings: typeof kasRoutingSettings;
  start(
    ctx: KasRoutingModuleContext,
  ): Promise<{ ports?: Record<string, number>; urls?: Record<string, string> }>;
  stop(): Promise<void>;
  /** This replica's private API URL for the tracker; null when kas runs alone. */
  privateApiUrl(): string | null;
  /** The dialer for the modules that call agents. */
  dialer(): AgentDialer;
}

/** How often a replica rewrites its address and status; one silent for three of these is "not reporting". */
const REFRESH_MS = 5_000;
const STALE_AFTER_MS = 3 * REFRESH_MS;

/** The routing default: the tunnel's 20 s budget. */
const DEFAULT_ROUTING_TIMEOUT_MS = 20_000;

export function createKasRoutingKasModule(options: KasRoutingModuleOptions): KasRoutingKasModule {
  let server: RunningPrivateApiServer | null = null;
  let clients: PeerClients | null = null;
  let url: string | null = null;
  let routing: AgentDialer | null = null;
  let metrics: ReturnType<typeof createKasRoutingMetrics> | null = null;
  let secret: Buffer | null = null;
  let addresses: ReplicaAddresses | null = null;
  let graceMs = 5_000;

  // The router serves routed calls with the tunnel's dialer, which exists once the reverse tunnel started.
  const lazyTunnelDialer: TunnelDialer = {
    openCall: (...args) => options.tunnelDialer().openCall(...args),
    reserve: (...args) => options.tunnelDialer().reserve(...args),
    streamCounts: (agentId) => options.tunnelDialer().streamCounts(agentId),
  };

  return {
    name: 'kas_routing',
    settings: kasRoutingSettings,
    async start(ctx) {
      graceMs = ctx.shutdownGraceMs ?? graceMs;
      const localStatus = async (): Promise<LocalStatus> => {
        const readiness = (await ctx.readiness?.()) ?? { ready: true, lines: [] };
        const held = options.holdings?.() ?? { agents: 0, tunnels: 0 };
        return { ready: readiness.ready, readiness: readiness.lines, ...held };
      };
      const redis = ctx.redis;
      // The console's list of replicas: this one from its own state, the others from what they wrote to Redis.
      ctx.provide?.(KAS_REPLICAS, {
        async list() {
          const local = await localStatus();
          const self: ReplicaSummary = {
            name: ctx.replica,
            self: true,
            privateApiUrl: url,
            state: local.ready ? 'ready' : 'not_ready',
            reason: reasonOf(local),
            ...local,
            lastSeenAt: new Date(),
          };
          const listing = { shared: Boolean(redis), limit: MAX_LISTED_REPLICAS, problem: null };
          if (!redis || !addresses) return { ...listing, replicas: [self], total: 1 };
          let stored;
          try {
            stored = await addresses.list();
          } catch (error) {
            return {
              ...listing,
              replicas: [self],
              total: 1,
              problem: `the other replicas cannot be read from Redis at ${redis.address} (${(error as Error).message}); only this one is listed: check REDIS_URL and that Redis runs`,
            };
          }
          const now = Date.now();
          const others = stored
            .filter((r) => r.name !== ctx.replica)
            .sort((x, y) => x.name.localeCompare(y.name))
            .map((r) => summaryOf(r, now, STALE_AFTER_MS));
          return {
            ...listing,
            replicas: [self, ...others].slice(0, MAX_LISTED_REPLICAS),
            total: others.length + 1,
          };
        },
      } satisfies ReplicaDirectory);
      if (!redis) return {};
      const settings = settingValues(kasRoutingSettings, ctx.config);
      secret = ctx.config.privateApiSecret
        ? deriveKey(Buffer.from(ctx.config.privateApiSecret), 'private-api-jwt')
        : deriveKey(ctx.secret, 'private-api-jwt');
      const tls = tlsOf(settings);
      metrics = createKasRoutingMetrics(ctx.metrics);
      server = await startPrivateApiServer({
        host: ctx.config.listenHost,
        port: ctx.config.privateApiPort,
        tls: tls.server,
        dialer: lazyTunnelDialer,
        verifyJwt: privateApiJwtVerifier({ secret }),
        logger: ctx.logger,
        maxWaitMs: options.routingTimeoutMs?.() ?? DEFAULT_ROUTING_TIMEOUT_MS,
        onRouted: metrics.router,
      });
      clients = createPeerClients({ tls: Boolean(tls.server), caPem: tls.caPem });
      const everyInterface = ['0.0.0.0', '::', ''].includes(ctx.config.listenHost);
      url =
        settings.privateApiUrl ??
        `${tls.server ? 'grpcs' : 'grpc'}://${everyInterface ? hostname() : ctx.config.listenHost}:${server.port}`;
      const book = redisReplicaAddresses({
        redis,
        self: ctx.replica,
        url,
        refreshMs: REFRESH_MS,
        status: localStatus,
        log: (message) => ctx.logger.warn(message),
      });
      addresses = book;
      // The drain: the others list this replica as shutting down now, not at the next refresh.
      ctx.signal?.addEventListener('abort', () => void book.publishNow(), { once: true });
      ctx.logger.info({ port: server.port, url }, 'private API listening');
      return { ports: { privateApi: server.port }, urls: { privateApi: url } };
    },
    async stop() {
      // Routed calls in flight finish with the tunnels they ride (the reverse tunnel drains after this stops).
      await addresses?.stop();
      await server?.stop(graceMs);
      clients?.close();
      addresses = null;
      server = null;
      clients = null;
    },
    privateApiUrl: () => url,
    dialer() {
      if (routing) return routing;
      const tracker = options.tracker();
      if (!clients || !secret || !addresses) return options.tunnelDialer();
      const peerClients = clients;
      const book = addresses;
      const self = tracker.self;
      const gatewayMetrics = metrics;
      routing = createRoutingDialer({
        local: options.tunnelDialer(),
        peersOf: async (agentId) => {
          const replicas = (await tracker.kasUrlsFor(agentId)).filter((r) => r !== self);
          return replicas.length === 0 ? [] : (await book.urlsOf(replicas)).map(addressOf);
        },
        clients: peerClients,
        jwt: privateApiJwtSigner({ secret }),
        routingTimeoutMs: options.routingTimeoutMs?.() ?? DEFAULT_ROUTING_TIMEOUT_MS,
        onAttempt: (outcome) => gatewayMetrics?.gateway(outcome),
      });
      return routing;
    },
  };
}

/** grpc://host:port → host:port (what a gRPC client dials). */
function addressOf(url: string): string {
  return url.replace(/^grpcs?:\/\//, '');
}

function tlsOf(settings: {
  privateApiTlsCertFile?: string;
  privateApiTlsKeyFile?: string;
  privateApiCaFile?: string;
}): { server?: { certPem: Buffer; keyPem: Buffer }; caPem?: Buffer } {
  const {
    privateApiTlsCertFile: certFile,
    privateApiTlsKeyFile: keyFile,
    privateApiCaFile: caFile,
  } = settings;
  if (!certFile !== !keyFile)
    throw new Error(
      'set both MOORING_PRIVATE_API_TLS_CERT_FILE and MOORING_PRIVATE_API_TLS_KEY_FILE (or neither, for a plaintext private API on a private network)',
    );
  if (!certFile || !keyFile) {
    if (caFile)
      throw new Error(
        'MOORING_PRIVATE_API_CA_FILE is set without MOORING_PRIVATE_API_TLS_CERT_FILE and _KEY_FILE: give every replica its certificate too',
      );
    return {};
  }
  const material = readCertificateFiles({
    certFile,
    keyFile,
    caFile,
    certWhat: 'the private API certificate (MOORING_PRIVATE_API_TLS_CERT_FILE)',
    keyWhat: 'the private API key (MOORING_PRIVATE_API_TLS_KEY_FILE)',
    caWhat: 'the private API CA (MOORING_PRIVATE_API_CA_FILE)',
  });
  return {
    server: { certPem: material.certPem, keyPem: material.keyPem },
    caPem: material.caPem ?? undefined,
  };
}
