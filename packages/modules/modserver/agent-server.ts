// The shared agent gRPC server (the agent listener, 8150): kas owns one; every kas module that agentk calls registers
// its own services on it while starting (reverse_tunnel's Connect, agent_registrar's Register,
// agent_configuration's GetConfiguration, ...), and kas binds it once every module has started. As in GitLab's
// modserver: the server, its TLS, keepalive, connection age and the agent-token check are kas's; the services are
// the modules'.
import type { Duplex } from 'node:stream';
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import {
  AgentCallError,
  type AgentIdentity,
  authenticateAgent,
  type OnTokenRevoked,
  type VerifyAgentToken,
} from './agent-auth';
import {
  AGENT_API_CONNECTION_WINDOW,
  AGENT_API_STREAM_WINDOW,
  disableNagle,
  setConnectionWindow,
  setStreamWindow,
} from './flow-control';
import {
  boundGrpcHandshakes,
  DEFAULT_LISTENER_TIMEOUTS,
  grpcIdleOptions,
  type ListenerTimeouts,
} from '../shared/listener-timeouts';
import { type InjectedConnectionOwner, InjectedConnections } from './injected-connections';
import { type AgentApiTls, loadTlsMaterial } from './tls';

export type { InjectedConnectionOwner } from './injected-connections';

export const AGENT_SERVER_DEFAULTS = {
  port: 8150,
  maxConnectionAgeMs: 2 * 60 * 60_000,
  keepaliveTimeMs: 50_000,
  keepaliveTimeoutMs: 20_000,
  maxMessageBytes: 10 * 1024 * 1024,
  stopGraceMs: 10_000,
} as const;

export const REVOKED_MESSAGE =
  'the agent token was revoked; create a new token for the agent and restart agentk with it';

/** A token revocation as modules see it: `agentId` when the token service knows it. */
export interface AgentTokenRevoked {
  tokenId: number;
  agentId?: number;
}

/** What a kas module sees of the agent server (KasModuleContext.agentServer). */
export interface AgentServer {
  /** Registers a module's gRPC service. Call it from the module's start(); kas binds the server afterwards. */
  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void;
  /**
   * Checks the call's `authorization: Bearer <agent token>`; throws an AgentCallError naming the fix (unknown,
   * revoked, missing token; verifier down). A token revoked since the verifier's answer is refused too.
   */
  authenticate(call: { metadata: Metadata; getPeer?(): string }): Promise<AgentIdentity>;
  /** Whether the token was revoked while this kas runs (a call set up around the revocation must not slip through). */
  isRevoked(tokenId: number): boolean;
  /** Told after each revocation, once isRevoked answers true: close the token's open streams. */
  onRevoked(listener: (revoked: AgentTokenRevoked) => void): () => void;
  /**
   * Serves gRPC on a connection kas dialed itself (receptive agents: agentk is the HTTP/2 client). The caller has
   * done TLS and the preface; calls on it authenticate with the agent token as on the listener, and the token must
   * be one of `expected.agentId` (kas dialed that agent's endpoint): another agent's token is refused, and
   * `expected.onWrongAgent` is told which agent it belongs to.
   */
  injectConnection(connection: Duplex, expected: InjectedConnectionOwner): Promise<void>;
  /** Long-lived streams (idle tunnels, configuration long polls) end cleanly at this connection age. */
  readonly longPollMaxAgeMs: number;
  /** The registry kas's /metrics serves. */
  readonly metrics: Registry;
  readonly logger: Logger;
}

export interface AgentServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  tls: AgentApiTls;
  verifyAgentToken: VerifyAgentToken;
  onRevoked?: OnTokenRevoked;
  /**
   * Connection lifetime, as in GitLab: GOAWAY at 20 % of `ageMs` (±10 % jitter from grpc-js), idle tunnels and
   * config long polls end cleanly at 30 %, in-flight calls get `graceMs` (default 65 % of `ageMs`) to finish.
   */
  maxConnectionAge?: { ageMs?: number; graceMs?: number };
  keepalive?: { timeMs?: number; timeoutMs?: number };
  maxMessageBytes?: number;
  logger: Logger;
  metrics: Registry;
  /** Socket limits: a connection with no TLS handshake or no call within `firstCallMs` is closed. */
  timeouts?: ListenerTimeouts;
}

export interface RunningAgentServer extends AgentServer {
  /** Whether any module registered a service (kas binds the listener only then). */
  hasServices(): boolean;
  /** Binds the listener; resolves with its port and URL (grpc:// or grpcs://). */
  start(): Promise<{ port: number; url: string }>;
  readonly port: number;
  readonly url: string;
  /** The CA agentk must trust (self-signed mode). */
  readonly caPem: Buffer | null;
  readonly caFile: string | null;
  /**
   * Begins the drain: stops accepting connections and sends every agent connection GOAWAY, so agentk opens its next
   * calls on a new connection (through a load balancer: to another replica) while the calls and tunnels on this one
   * go on until they end or stop() cuts them. Returns how many connections were told.
   */
  drain(): number;
  /**
   * Drains (if drain() was not called) and waits up to `graceMs` for the connections to close: modules close their
   * idle streams first, calls in flight end; then what is left is cut.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Agent connections open on the listener (grpc-js keeps them per HTTP/2 server; not public API). */
function openSessions(server: Server): number {
  const servers = (server as unknown as { http2Servers?: Map<unknown, { sessions?: Set<unknown> }> })
    .http2Servers;
  let sessions = 0;
  for (const entry of servers?.values() ?? []) sessions += entry.sessions?.size ?? 0;
  return sessions;
}

export function createAgentServer(options: AgentServerOptions): RunningAgentServer {
  const logger = options.logger;
  const host = options.host ?? '127.0.0.1';
  const ageMs = options.maxConnectionAge?.ageMs ?? AGENT_SERVER_DEFAULTS.maxConnectionAgeMs;
  const graceMs = options.maxConnectionAge?.graceMs ?? Math.round(ageMs * 0.65);
  const maxMessageBytes = options.maxMessageBytes ?? AGENT_SERVER_DEFAULTS.maxMessageBytes;
  const auth = new Counter({
    name: 'mooring_kas_agent_auth_total',
    help: 'Agent token checks on the agent listener, by result and whether the verifier answered from its cache',
    labelNames: ['result', 'cache'],
    registers: [options.metrics],
  });
  const observer = {
    authenticated(result: string, fromCache: boolean | undefined) {
      auth.inc({ result, cache: fromCache === undefined ? 'unknown' : fromCache ? 'hit' : 'miss' });
    },
  };

  const server = new Server({
    'grpc.max_connection_age_ms': Math.round(ageMs * 0.2),
    'grpc.max_connection_age_grace_ms': graceMs,
    'grpc.keepalive_time_ms': options.keepalive?.timeMs ?? AGENT_SERVER_DEFAULTS.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': options.keepalive?.timeoutMs ?? AGENT_SERVER_DEFAULTS.keepaliveTimeoutMs,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    ...grpcIdleOptions(options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS),
    // Nothing in kas reads channelz, and its trackers cost ~2 KiB of heap per idle agent (docs/decisions.md).
    'grpc.enable_channelz': 0,
  });
  setStreamWindow(server, AGENT_API_STREAM_WINDOW);

  // Tokens revoked recently: a call authenticated just before the revocation event must not slip through.
  const revokedAt = new Map<number, number>();
  const revokedListeners = new Set<(revoked: AgentTokenRevoked) => void>();
  const unsubscribeRevoked = options.onRevoked?.((revoked) => {
    const now = Date.now();
    revokedAt.set(revoked.tokenId, now);
    // Longer than any verifier cache TTL; after that the verifier itself answers "revoked".
    for (const [id, at] of revokedAt) if (now - at > 60 * 60_000) revokedAt.delete(id);
    for (const listener of revokedListeners) {
      try {
        listener(revoked);
      } catch (error) {
        logger.warn({ err: error, token_id: revoked.tokenId }, 'a revocation listener failed');
      }
    }
  });

  let services = 0;
  let injector: ReturnType<Server['createConnectionInjector']> | null = null;
  const injected = new InjectedConnections((socket) => {
    injector ??= server.createConnectionInjector(ServerCredentials.createInsecure());
    injector.injectConnection(socket);
  });
  let bound: { port: number; url: string; caPem: Buffer | null; caFile: string | null } | null = null;
  let stopped: Promise<void> | null = null;
  /** Settles once every agent connection closed after the GOAWAY (grpc-js's tryShutdown). */
  let drained: Promise<void> | null = null;
  const drain = () => {
    drained ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    return drained;
  };
  const boundOrThrow = () => {
    if (!bound) throw new Error('the agent server has not started yet');
    return bound;
  };
  return {
    logger,
    metrics: options.metrics,
    longPollMaxAgeMs: Math.round(ageMs * 0.3),
    addService(service, implementation) {
      if (bound)
        throw new Error('add agent services while the modules start, before kas binds the agent server');
      server.addService(service, implementation);
      services++;
    },
    async authenticate(call) {
      const identity = await authenticateAgent(call.metadata, options.verifyAgentToken, observer);
      if (revokedAt.has(identity.tokenId)) throw new AgentCallError(status.UNAUTHENTICATED, REVOKED_MESSAGE);
      const owner = call.getPeer ? injected.ownerOf(call.getPeer()) : undefined;
      if (owner && owner.agentId !== identity.agentId) {
        owner.onWrongAgent?.(identity.agentId);
        throw new AgentCallError(
          status.PERMISSION_DENIED,
          `kas dialed this agentk for agent ${owner.agentId}, but its token belongs to agent ${identity.agentId}: ` +
            `give agentk a token of agent ${owner.agentId}, or save this receptive endpoint on agent ${identity.agentId}`,
        );
      }
      return identity;
    },
    isRevoked: (tokenId) => revokedAt.has(tokenId),
    onRevoked(listener) {
      revokedListeners.add(listener);
      return () => void revokedListeners.delete(listener);
    },
    injectConnection: (connection, expected) => injected.add(connection, expected),
    hasServices: () => services > 0,
    async start() {
      const tls = options.tls;
      const material = tls.mode === 'insecure' ? null : await loadTlsMaterial(tls);
      const credentials = material
        ? ServerCredentials.createSsl(
            null,
            [{ private_key: material.keyPem, cert_chain: material.certPem }],
            false,
          )
        : ServerCredentials.createInsecure();
      const bindHost = host.includes(':') ? `[${host}]` : host;
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${bindHost}:${options.port}`, credentials, (error, boundPort) => {
          if (error)
            reject(new Error(`agent API cannot listen on ${bindHost}:${options.port}: ${error.message}`));
          else resolve(boundPort);
        }),
      );
      setConnectionWindow(server, AGENT_API_CONNECTION_WINDOW);
      disableNagle(server);
      boundGrpcHandshakes(server, options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS);
      const url = `${material ? 'grpcs' : 'grpc'}://${bindHost}:${port}`;
      bound = { port, url, caPem: material?.caPem ?? null, caFile: material?.caFile ?? null };
      logger.info({ url, tls: tls.mode, ca_file: bound.caFile }, 'agent API listening');
      return { port, url };
    },
    get port() {
      return boundOrThrow().port;
    },
    get url() {
      return boundOrThrow().url;
    },
    get caPem() {
      return boundOrThrow().caPem;
    },
    get caFile() {
      return boundOrThrow().caFile;
    },
    drain() {
      if (!bound || drained) return 0;
      const told = openSessions(server);
      // tryShutdown closes the listener and calls session.close() on each connection: a GOAWAY that lets the
      // streams on it finish. grpc-js's client retries a call the GOAWAY refused on a new connection by itself.
      void drain();
      return told;
    },
    stop(stopGraceMs = AGENT_SERVER_DEFAULTS.stopGraceMs) {
      stopped ??= (async () => {
        unsubscribeRevoked?.();
        revokedListeners.clear();
        injected.close();
        if (!bound) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          drain(),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              server.forceShutdown();
              resolve();
            }, stopGraceMs);
          }),
        ]);
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
