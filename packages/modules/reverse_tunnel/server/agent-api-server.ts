// The agent listener (8150): ReverseTunnel, AgentRegistrar and AgentConfiguration on one gRPC server.
// Usable standalone (tests, benchmarks) and as kas's agent module.
import { type Metadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import { AgentConfigurationService } from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import { AgentRegistrarService } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import { ReverseTunnelService } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import {
  type AgentConfigSource,
  type ConfigStreamHandle,
  createGetConfigurationHandler,
  noConfigSource,
} from '../../agent_configuration/server/index';
import {
  type AgentConnectionRecorder,
  ConnectedAgents,
  createRegisterHandler,
  noStorageRecorder,
  podMetaFromProto,
} from '../../agent_registrar/server/index';
import type { AgentDialer } from '../shared/tunnel-api';
import { AgentCallError, authenticateAgent, type OnTokenRevoked, type VerifyAgentToken } from './agent-auth';
import { createConnectHandler, REVOKED_MESSAGE } from './connect-handler';
import { ConnectionAges } from './connection-ages';
import { createAgentDialer } from './dialer';
import {
  AGENT_API_CONNECTION_WINDOW,
  AGENT_API_STREAM_WINDOW,
  setConnectionWindow,
  setStreamWindow,
} from './flow-control';
import { createAgentApiMetrics } from './metrics';
import { TunnelRegistry } from './registry';
import type { ServerTunnel } from './server-tunnel';
import {
  boundGrpcHandshakes,
  DEFAULT_LISTENER_TIMEOUTS,
  grpcIdleOptions,
  type ListenerTimeouts,
} from '../../shared/listener-timeouts';
import { type AgentApiTls, loadTlsMaterial } from './tls';

export const AGENT_API_DEFAULTS = {
  port: 8150,
  streamsPerAgent: 500,
  routingTimeoutMs: 20_000,
  maxConnectionAgeMs: 2 * 60 * 60_000,
  keepaliveTimeMs: 50_000,
  keepaliveTimeoutMs: 20_000,
  maxMessageBytes: 10 * 1024 * 1024,
  disconnectAfterMs: 5_000,
} as const;

export interface AgentApiServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  tls: AgentApiTls;
  verifyAgentToken: VerifyAgentToken;
  onRevoked?: OnTokenRevoked;
  recorder?: AgentConnectionRecorder;
  configSource?: AgentConfigSource;
  limits?: {
    /** Idle + active tunnel streams per agent (default 500). */
    streamsPerAgent?: number | ((agentId: number) => number);
    /** How long a call waits for a tunnel (default 20 s). */
    routingTimeoutMs?: number;
  };
  /**
   * Connection lifetime, as in GitLab: GOAWAY at 20 % of `ageMs` (±10 % jitter from grpc-js), idle tunnels and
   * config long polls end cleanly at 30 %, in-flight calls get `graceMs` (default 65 % of `ageMs`) to finish.
   */
  maxConnectionAge?: { ageMs?: number; graceMs?: number };
  keepalive?: { timeMs?: number; timeoutMs?: number };
  maxMessageBytes?: number;
  /** A pod with no tunnel for this long is disconnected (activity agent_disconnected). */
  disconnectAfterMs?: number;
  /** Name of this kas replica in connection records. */
  kasReplica?: string;
  /** Last-seen time for agents this kas has not seen (from the connection records). */
  lastSeen?: (agentId: number) => Promise<Date | null>;
  logger?: Logger;
  metricsRegistry?: Registry;
  /** Socket limits: a connection with no TLS handshake or no call within `firstCallMs` is closed. */
  timeouts?: ListenerTimeouts;
}

export interface AgentApiServer {
  port: number;
  /** grpc://host:port or grpcs://host:port */
  url: string;
  /** The CA agentk must trust (self-signed mode). */
  caPem: Buffer | null;
  caFile: string | null;
  dialer: AgentDialer;
  connectedAgents: ConnectedAgents;
  registry: TunnelRegistry<ServerTunnel>;
  /** Closes idle tunnels and config streams, lets in-flight calls finish for up to `graceMs`, then stops. */
  stop(graceMs?: number): Promise<void>;
}

export async function startAgentApiServer(options: AgentApiServerOptions): Promise<AgentApiServer> {
  const logger = (options.logger ?? pino({ level: 'info' })).child({ module: 'agent_api' });
  const host = options.host ?? '127.0.0.1';
  const streamsPerAgent = options.limits?.streamsPerAgent ?? AGENT_API_DEFAULTS.streamsPerAgent;
  const streamLimit = typeof streamsPerAgent === 'function' ? streamsPerAgent : () => streamsPerAgent;
  const ageMs = options.maxConnectionAge?.ageMs ?? AGENT_API_DEFAULTS.maxConnectionAgeMs;
  const graceMs = options.maxConnectionAge?.graceMs ?? Math.round(ageMs * 0.65);
  const longPollMaxAgeMs = Math.round(ageMs * 0.3);
  const maxMessageBytes = options.maxMessageBytes ?? AGENT_API_DEFAULTS.maxMessageBytes;
  const kasReplica = options.kasReplica ?? `${hostname()}:${process.pid}`;

  const registry = new TunnelRegistry<ServerTunnel>({ streamLimit });
  const metrics = createAgentApiMetrics(options.metricsRegistry ?? new Registry(), registry);
  const connectedAgents = new ConnectedAgents({
    recorder: options.recorder ?? noStorageRecorder,
    kasReplica,
    logger,
    disconnectAfterMs: options.disconnectAfterMs ?? AGENT_API_DEFAULTS.disconnectAfterMs,
  });
  const stopPodEvents = registry.onPodTunnelsChanged((agentId, podId, counts) =>
    connectedAgents.tunnelsChanged(agentId, podId, counts),
  );
  const dialer = createAgentDialer({
    registry,
    metrics,
    routingTimeoutMs: options.limits?.routingTimeoutMs ?? AGENT_API_DEFAULTS.routingTimeoutMs,
    lastSeen: async (agentId) =>
      connectedAgents.lastSeen(agentId) ?? (await options.lastSeen?.(agentId)) ?? null,
  });
  // Tokens revoked recently: a call authenticated just before the revocation event must not slip through.
  const revokedAt = new Map<number, number>();
  const isRevoked = (tokenId: number) => revokedAt.has(tokenId);
  const authenticate = async (call: { metadata: Metadata }) => {
    const identity = await authenticateAgent(call.metadata, options.verifyAgentToken, metrics);
    if (isRevoked(identity.tokenId)) throw new AgentCallError(status.UNAUTHENTICATED, REVOKED_MESSAGE);
    return identity;
  };
  const configStreams = new Set<ConfigStreamHandle>();

  const server = new Server({
    'grpc.max_connection_age_ms': Math.round(ageMs * 0.2),
    'grpc.max_connection_age_grace_ms': graceMs,
    'grpc.keepalive_time_ms': options.keepalive?.timeMs ?? AGENT_API_DEFAULTS.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': options.keepalive?.timeoutMs ?? AGENT_API_DEFAULTS.keepaliveTimeoutMs,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    ...grpcIdleOptions(options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS),
  });
  setStreamWindow(server, AGENT_API_STREAM_WINDOW);
  server.addService(ReverseTunnelService, {
    connect: createConnectHandler({
      registry,
      verifyAgentToken: options.verifyAgentToken,
      metrics,
      logger,
      idleTunnelMaxAgeMs: longPollMaxAgeMs,
      connectionAges: new ConnectionAges(),
      isRevoked,
    }),
  });
  server.addService(AgentRegistrarService, {
    register: createRegisterHandler({ authenticate, connectedAgents, logger }),
  });
  server.addService(AgentConfigurationService, {
    getConfiguration: createGetConfigurationHandler({
      authenticate,
      source: options.configSource ?? noConfigSource,
      logger,
      maxStreamAgeMs: longPollMaxAgeMs,
      openStreams: configStreams,
      onSent: (agentId, podId, version) => connectedAgents.configSent(agentId, podId, version),
      onOpened: (agentId, request) => {
        if (!request.podId || !request.agentMeta?.podName) return;
        connectedAgents
          .heartbeat(agentId, request.podId, podMetaFromProto(request.agentMeta))
          .catch((error: unknown) =>
            logger.warn({ err: error, agent_id: agentId }, 'could not record the connection of a pod'),
          );
      },
    }),
  });

  const unsubscribeRevoked = options.onRevoked?.(({ tokenId }) => {
    const message = REVOKED_MESSAGE;
    const now = Date.now();
    revokedAt.set(tokenId, now);
    // Longer than any verifier cache TTL; after that the verifier itself answers "revoked".
    for (const [id, at] of revokedAt) if (now - at > 60 * 60_000) revokedAt.delete(id);
    const tunnels = registry.tunnelsOfToken(tokenId);
    for (const agentId of new Set(tunnels.map((t) => t.agentId)))
      connectedAgents.noteDisconnectReason(agentId, `its token (id ${tokenId}) was revoked`);
    for (const tunnel of tunnels) {
      registry.unregister(tunnel);
      if (tunnel.state === 'idle') tunnel.fail(status.UNAUTHENTICATED, message);
      else tunnel.close(message);
    }
    let streams = 0;
    for (const stream of [...configStreams])
      if (stream.tokenId === tokenId) {
        stream.close(status.UNAUTHENTICATED, message);
        streams++;
      }
    logger.info(
      { token_id: tokenId, tunnels: tunnels.length, config_streams: streams },
      'closed streams of a revoked token',
    );
  });

  const tls = options.tls;
  const material = tls.mode === 'insecure' ? null : loadTlsMaterial(tls);
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
  boundGrpcHandshakes(server, options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS);
  const url = `${material ? 'grpcs' : 'grpc'}://${bindHost}:${port}`;
  logger.info({ url, tls: tls.mode, ca_file: material?.caFile ?? null }, 'agent API listening');

  let stopped: Promise<void> | null = null;
  return {
    port,
    url,
    caPem: material?.caPem ?? null,
    caFile: material?.caFile ?? null,
    dialer,
    connectedAgents,
    registry,
    stop(stopGraceMs = 10_000) {
      stopped ??= (async () => {
        unsubscribeRevoked?.();
        for (const tunnel of registry.allTunnels())
          if (tunnel.state === 'idle') {
            registry.unregister(tunnel);
            tunnel.close('kas is shutting down');
          }
        for (const stream of [...configStreams]) stream.close(status.OK, 'kas is shutting down');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, stopGraceMs);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        stopPodEvents();
        connectedAgents.stop();
      })();
      return stopped;
    },
  };
}
