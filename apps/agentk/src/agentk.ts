// agentk's composition root: connects to kas and runs the modules of modules.ts (observability, kubernetes_api,
// agent_registrar, agent_configuration, reverse_tunnel) in order, fanning each configuration kas sends out to every
// module; a module that fails to start stops the ones already started (a cleanup stack, as kas.ts has).
import type { KubeConfig } from '@kubernetes/client-node';
import type { ReceivedConfig } from '@mooring/modules/agent_configuration/agent/index';
import type { AgentConfiguration, AgentModule, AgentModuleContext } from '@mooring/modules/modagent/index';
import {
  type ReverseTunnelAgentModuleOptions,
  TunnelHandlerRegistry,
  type TunnelHandler,
  type TunnelPoolStats,
} from '@mooring/modules/reverse_tunnel/agent/index';
import { randomInt } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { ReceptiveListener, type ReceptiveListenerOptions } from '@mooring/modules/receptive/agent/index';
import { connectToKas } from './kas-connection';
import { defaultAgentModules } from './modules';
import { AGENTK_COMMIT, AGENTK_VERSION } from './version';

/** Receptive mode: kas dials agentk's listener (ReceptiveListener); no --kas-address. */
export type AgentkReceptiveOptions = Omit<ReceptiveListenerOptions, 'logger'>;

export interface AgentkOptions {
  /** Exactly one of kasAddress (agentk dials kas) and receptive (kas dials agentk). */
  kasAddress?: string;
  receptive?: AgentkReceptiveOptions;
  token: string;
  caCertPem?: Buffer | null;
  kasTlsServerName?: string | null;
  kasHeaders?: Array<[string, string]>;
  /** The cluster agentk serves; null only in tests of the tunnel alone (no kubernetes_api module, no version). */
  kubeConfig: KubeConfig | null;
  podName: string;
  podNamespace: string;
  /** The modules' parsed flags (parseAgentkFlags's moduleSettings); absent, each module takes its defaults. */
  moduleSettings?: Record<string, unknown>;
  /** Overrides --observability-listen-address. */
  observability?: { host: string; port: number } | null;
  /** Overrides --max-streams: tunnel streams this pod keeps at most (idle + active). */
  maxStreams?: number;
  pool?: ReverseTunnelAgentModuleOptions['pool'];
  registerIntervalMs?: number;
  /** Extra handlers served through the tunnel (tests of the tunnel alone). */
  tunnelHandlers?: Record<string, TunnelHandler>;
  /** Modules run after the default list (a new capability under test; see modules.ts). */
  extraModules?: AgentModule[];
  logger?: Logger;
  metrics?: Registry;
}

export interface Agentk {
  podId: number;
  /** Receptive mode: the port the receptive listener bound (0 in the options picks one). */
  receptivePort: number | null;
  observabilityUrl: string | null;
  logger: Logger;
  poolStats(): TunnelPoolStats;
  /** The configuration kas last sent, or null. */
  config(): ReceivedConfig | null;
  /** Resolves once kas accepted a Register call. */
  registered: Promise<void>;
  /** Stops opening tunnels, closes idle ones, lets calls in flight finish for up to `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startAgentk(options: AgentkOptions): Promise<Agentk> {
  const logger = options.logger ?? pino({ level: 'info', base: { pod: options.podName } });
  const metrics = options.metrics ?? new Registry();
  // Below 2^53 so the proto int64 survives as a JavaScript number.
  const podId = randomInt(1, 2 ** 48);
  if (!options.kasAddress === !options.receptive)
    throw new Error('startAgentk: give exactly one of kasAddress and receptive');
  let receptive: ReceptiveListener | null = null;
  let receptivePort: number | null = null;
  if (options.receptive) {
    receptive = new ReceptiveListener({ ...options.receptive, logger });
    receptivePort = (await receptive.start()).port;
  }
  const kas = connectToKas({
    kasAddress: options.kasAddress ?? `receptive://${options.receptive!.listenAddress}`,
    ...(receptive && { channelTarget: receptive.channelTarget }),
    token: options.token,
    caCertPem: options.caCertPem,
    kasTlsServerName: options.kasTlsServerName,
    kasHeaders: options.kasHeaders,
    userAgent: `mooring-agentk/${AGENTK_VERSION}/${AGENTK_COMMIT}`,
    logger,
  });
  const pod = {
    podId,
    version: AGENTK_VERSION,
    commitId: AGENTK_COMMIT,
    podName: options.podName,
    podNamespace: options.podNamespace,
  };
  const handlers = new TunnelHandlerRegistry();
  for (const [method, handler] of Object.entries(options.tunnelHandlers ?? {}))
    handlers.register(method, handler);
  const defaults = defaultAgentModules({
    handlers,
    kubeConfig: options.kubeConfig,
    logger,
    settings: options.moduleSettings,
    observability: options.observability,
    maxStreams: options.maxStreams,
    pool: options.pool,
    registerIntervalMs: options.registerIntervalMs,
  });
  const modules = [...defaults.modules, ...(options.extraModules ?? [])];

  let markAllStarted!: () => void;
  const allStarted = new Promise<void>((resolve) => (markAllStarted = resolve));
  // Configurations reach the modules in order, and only once every module has started.
  let fanOut: Promise<void> = allStarted;
  const configurationReceived = (config: AgentConfiguration) => {
    fanOut = fanOut.then(async () => {
      for (const module of modules) {
        try {
          await module.onConfiguration?.(config);
        } catch (err) {
          logger.warn({ err, module: module.name }, 'a module failed to apply the agent configuration');
        }
      }
    });
  };
  const context = (): AgentModuleContext => ({
    pod,
    logger,
    metrics,
    kas,
    kubeConfig: options.kubeConfig,
    registerTunnelHandler: (method, handler) => handlers.register(method, handler),
    configurationReceived,
    allStarted,
  });

  const started: AgentModule[] = [];
  const stopStarted = async (graceMs: number) => {
    for (const module of started.splice(0).reverse()) {
      try {
        await module.stop(graceMs);
      } catch (err) {
        logger.error({ err, module: module.name }, 'error while stopping a module');
      }
    }
  };
  try {
    for (const module of modules) {
      started.push(module);
      await module.start(context());
    }
  } catch (error) {
    logger.error({ err: error }, 'agentk failed to start; stopping the modules already started');
    await stopStarted(0);
    kas.close();
    await receptive?.close();
    throw error;
  }
  markAllStarted();
  logger.info(
    {
      kas: options.kasAddress ?? null,
      receptive_port: receptivePort,
      pod_id: podId,
      version: AGENTK_VERSION,
      modules: modules.map((m) => m.name),
    },
    'agentk started',
  );

  let stopping: Promise<void> | null = null;
  return {
    podId,
    receptivePort,
    observabilityUrl: defaults.observability.url(),
    logger,
    poolStats: () => defaults.reverseTunnel.stats(),
    config: () => defaults.agentConfiguration.current(),
    registered: defaults.agentRegistrar.registered,
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        logger.info('agentk stopping: finishing calls in flight');
        await stopStarted(graceMs);
        kas.close();
        await receptive?.close();
        logger.info('agentk stopped');
      })();
      return stopping;
    },
  };
}
