// A standalone agent listener for tests and benchmarks: kas's shared agent server with the three agent-facing
// modules on it (reverse_tunnel, agent_registrar, agent_configuration), wired as apps/kas/src/modules.ts wires them,
// without a database (an in-memory recorder and config source unless given).
import type { Logger } from 'pino';
import pino from 'pino';
import { Registry } from 'prom-client';
import { hostname } from 'node:os';
import { type AgentConfigSource, installAgentConfiguration } from '../../../agent_configuration/server/index';
import {
  type AgentConnectionRecorder,
  type ConnectedAgents,
  installAgentRegistrar,
} from '../../../agent_registrar/server/index';
import {
  type AgentApiTls,
  createAgentServer,
  type OnTokenRevoked,
  type VerifyAgentToken,
} from '../../../modserver/index';
import type { ListenerTimeouts } from '../../../shared/listener-timeouts';
import type { TunnelDialer } from '../../shared/tunnel-api';
import type { TunnelRegistry } from '../registry';
import type { ServerTunnel } from '../server-tunnel';
import { installReverseTunnel } from '../tunnel-service';

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
    streamsPerAgent?: number | ((agentId: number) => number);
    routingTimeoutMs?: number;
    maxPodsPerAgent?: number;
    configStreamsPerPod?: number;
  };
  maxConnectionAge?: { ageMs?: number; graceMs?: number };
  keepalive?: { timeMs?: number; timeoutMs?: number };
  maxMessageBytes?: number;
  disconnectAfterMs?: number;
  kasReplica?: string;
  /** Socket limits of the listener (default: kas's). */
  timeouts?: ListenerTimeouts;
  logger?: Logger;
  metricsRegistry?: Registry;
}

export interface AgentApiServer {
  port: number;
  /** grpc://host:port or grpcs://host:port */
  url: string;
  caPem: Buffer | null;
  caFile: string | null;
  dialer: TunnelDialer;
  connectedAgents: ConnectedAgents;
  registry: TunnelRegistry<ServerTunnel>;
  /** Open configuration streams. */
  configStreams(): number;
  /** As kas stops: modules close their idle streams, then calls in flight get up to `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startAgentApiServer(options: AgentApiServerOptions): Promise<AgentApiServer> {
  const agentServer = createAgentServer({
    host: options.host,
    port: options.port,
    tls: options.tls,
    verifyAgentToken: options.verifyAgentToken,
    onRevoked: options.onRevoked,
    maxConnectionAge: options.maxConnectionAge,
    keepalive: options.keepalive,
    maxMessageBytes: options.maxMessageBytes,
    timeouts: options.timeouts,
    logger: (options.logger ?? pino({ level: 'info' })).child({ module: 'agent_api' }),
    metrics: options.metricsRegistry ?? new Registry(),
  });
  const tunnel = installReverseTunnel(agentServer, {
    streamsPerAgent: options.limits?.streamsPerAgent,
    routingTimeoutMs: options.limits?.routingTimeoutMs,
  });
  const registrar = installAgentRegistrar(agentServer, {
    recorder: options.recorder,
    kasReplica: options.kasReplica ?? `${hostname()}:${process.pid}`,
    disconnectAfterMs: options.disconnectAfterMs,
    maxPodsPerAgent: options.limits?.maxPodsPerAgent,
    onPodTunnelsChanged: tunnel.onPodTunnelsChanged,
  });
  const configuration = installAgentConfiguration(agentServer, {
    source: options.configSource,
    pods: registrar.connectedAgents,
    maxStreamsPerPod: options.limits?.configStreamsPerPod,
  });
  const { port, url } = await agentServer.start();
  let stopped: Promise<void> | null = null;
  return {
    port,
    url,
    caPem: agentServer.caPem,
    caFile: agentServer.caFile,
    dialer: tunnel.dialer,
    connectedAgents: registrar.connectedAgents,
    registry: tunnel.registry,
    configStreams: () => configuration.openStreams(),
    stop(graceMs) {
      stopped ??= (async () => {
        configuration.stop();
        tunnel.stop();
        await agentServer.stop(graceMs);
        await registrar.stop();
      })();
      return stopped;
    },
  };
}
