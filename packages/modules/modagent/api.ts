// agentk's module API (GitLab's modagent): what agentk hands each agent-half module, and what a module is. agentk
// (apps/agentk/src/agentk.ts) starts the modules of its list (apps/agentk/src/modules.ts) in order, fans every
// configuration kas sends out to each, and stops them in reverse order; a failed start stops those already started.
import type { ChannelCredentials, ChannelOptions, Metadata } from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TunnelHandler } from '../reverse_tunnel/shared/tunnel-api';
import type { ConnectionFailureReporter } from '../shared/connection-failure';

/** The configuration kas sent for this agent (agent_configuration), as every module receives it. */
export interface AgentConfiguration {
  version: string;
  yaml: string;
  config: Record<string, unknown>;
}

/**
 * The one gRPC channel to kas every module shares: a module makes its client with
 * `new XClient(kas.target, kas.credentials, kas.clientOptions)` and sends `kas.metadata()` on each call.
 */
export interface KasChannel {
  readonly target: string;
  readonly credentials: ChannelCredentials;
  readonly clientOptions: ChannelOptions;
  /** Fresh call metadata: the agent token and any extra kas headers. */
  metadata(): Metadata;
  /**
   * Every client of this channel reports its failures here: one log line says what is wrong (DNS, refused, TLS
   * name, unknown CA, token rejected, ...) and how to fix it, instead of one cryptic line per client.
   */
  readonly failures: ConnectionFailureReporter;
}

/** This pod as it reports itself to kas (proto AgentMeta without the Kubernetes version). */
export interface PodIdentity {
  readonly podId: number;
  readonly podName: string;
  readonly podNamespace: string;
  readonly version: string;
  readonly commitId: string;
}

export interface AgentModuleContext {
  readonly pod: PodIdentity;
  /** agentk's logger (the module's own parts add `module: <name>`). */
  readonly logger: Logger;
  /** The registry agentk's /metrics serves; register with `registers: [ctx.metrics]`. */
  readonly metrics: Registry;
  readonly kas: KasChannel;
  /** The cluster agentk serves; null only in tests of the tunnel alone. */
  readonly kubeConfig: KubeConfig | null;
  /**
   * Serves `fullMethod` ('/<package>.<Service>/<Method>') to kas through the reverse tunnel. Call it in start():
   * the tunnel opens its streams, which tell kas the methods served, once every module has started.
   */
  registerTunnelHandler(fullMethod: string, handler: TunnelHandler): void;
  /** agent_configuration hands each configuration kas sends here; agentk passes it to every module's onConfiguration. */
  configurationReceived(config: AgentConfiguration): void;
  /** Resolves once every module of the list has started (the tunnel waits for it before opening streams). */
  readonly allStarted: Promise<void>;
}

/**
 * A unit of agentk capability. `start` registers what the module serves and starts its work (it must not wait for
 * kas); `onConfiguration` gets every configuration kas sends (the newest, in order); `stop` ends the module's work,
 * letting calls in flight finish for up to `graceMs`, and must be safe after a failed or missing start.
 */
export interface AgentModule {
  readonly name: string;
  start(ctx: AgentModuleContext): Promise<void>;
  onConfiguration?(config: AgentConfiguration): void | Promise<void>;
  stop(graceMs: number): Promise<void>;
}
