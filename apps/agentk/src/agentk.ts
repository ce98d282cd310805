// agentk's composition root: connects to kas and starts the modules, listed here explicitly.
// Modules: reverse_tunnel (tunnel pool), agent_registrar (heartbeat), agent_configuration (live config),
// kubernetes_api (MakeRequest through the tunnel), observability (/metrics, /livez, /readyz).
import type { KubeConfig } from '@kubernetes/client-node';
import { startConfigWatcher, type ReceivedConfig } from '@mooring/modules/agent_configuration/agent/index';
import { startRegistrar } from '@mooring/modules/agent_registrar/agent/index';
import { registerKubernetesApi } from '@mooring/modules/kubernetes_api/agent/index';
import {
  startReverseTunnelAgent,
  TunnelHandlerRegistry,
  type TunnelHandler,
  type TunnelPoolStats,
} from '@mooring/modules/reverse_tunnel/agent/index';
import { randomInt } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { connectToKas } from './kas-connection';
import { readKubernetesVersion } from './kube';
import { startObservabilityServer } from './observability';
import { AGENTK_COMMIT, AGENTK_VERSION } from './version';

export interface AgentkOptions {
  kasAddress: string;
  token: string;
  caCertPem?: Buffer | null;
  kasTlsServerName?: string | null;
  kasHeaders?: Array<[string, string]>;
  /** The cluster agentk serves; null only in tests of the tunnel alone (no kubernetes_api module, no version). */
  kubeConfig: KubeConfig | null;
  podName: string;
  podNamespace: string;
  observability?: { host: string; port: number } | null;
  /** Tunnel streams this pod keeps at most (idle + active). */
  maxStreams?: number;
  pool?: {
    minIdle?: number;
    scaleUpStep?: number;
    maxIdleTimeMs?: number;
    backoffInitialMs?: number;
    backoffMaxMs?: number;
  };
  registerIntervalMs?: number;
  /** Extra handlers served through the tunnel (tests; modules beyond the built-in ones). */
  tunnelHandlers?: Record<string, TunnelHandler>;
  logger?: Logger;
  metrics?: Registry;
}

export interface Agentk {
  podId: number;
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
  // Without observability.logging.level in the configuration, agentk logs at the level it started with.
  const startLevel = logger.level;
  const metrics = options.metrics ?? new Registry();
  // Below 2^53 so the proto int64 survives as a JavaScript number.
  const podId = randomInt(1, 2 ** 48);
  const kas = connectToKas({
    kasAddress: options.kasAddress,
    token: options.token,
    caCertPem: options.caCertPem,
    kasTlsServerName: options.kasTlsServerName,
    kasHeaders: options.kasHeaders,
    userAgent: `mooring-agentk/${AGENTK_VERSION}/${AGENTK_COMMIT}`,
    logger,
  });
  const meta = {
    version: AGENTK_VERSION,
    commitId: AGENTK_COMMIT,
    podName: options.podName,
    podNamespace: options.podNamespace,
  };

  const handlers = new TunnelHandlerRegistry();
  const stops: Array<() => void | Promise<void>> = [];
  let kubernetesApi: Awaited<ReturnType<typeof registerKubernetesApi>> | null = null;
  if (options.kubeConfig) {
    kubernetesApi = await registerKubernetesApi(handlers, {
      kubeConfig: options.kubeConfig,
      log: logger.child({ module: 'kubernetes_api' }),
    });
    stops.push(() => kubernetesApi?.stop());
  }
  for (const [method, handler] of Object.entries(options.tunnelHandlers ?? {}))
    handlers.register(method, handler);

  let stats: TunnelPoolStats = { connecting: 0, idle: 0, active: 0, total: 0 };
  new Gauge({
    name: 'mooring_agentk_tunnels',
    help: 'Tunnel streams of this agentk pod by state (connecting, idle, active)',
    labelNames: ['state'],
    registers: [metrics],
    collect() {
      this.set({ state: 'connecting' }, stats.connecting);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'active' }, stats.active);
    },
  });
  new Gauge({
    name: 'mooring_agentk_calls_in_flight',
    help: 'Calls from kas being served through the tunnel right now',
    registers: [metrics],
    collect() {
      this.set(stats.active);
    },
  });
  if (kubernetesApi) {
    const api = kubernetesApi;
    new Gauge({
      name: 'mooring_agentk_kubernetes_api_requests_in_flight',
      help: 'Kubernetes API requests being proxied right now',
      registers: [metrics],
      collect() {
        this.set(api.inFlight());
      },
    });
  }

  const pool = startReverseTunnelAgent({
    client: kas.tunnel,
    metadata: kas.metadata,
    handlers,
    podId,
    logger,
    maxTunnels: options.maxStreams,
    minIdle: options.pool?.minIdle,
    scaleUpStep: options.pool?.scaleUpStep,
    maxIdleTimeMs: options.pool?.maxIdleTimeMs,
    backoff: { initialMs: options.pool?.backoffInitialMs, maxMs: options.pool?.backoffMaxMs },
    onChange: (s) => (stats = s),
    failures: kas.failures,
  });

  const kubeConfig = options.kubeConfig;
  let kubernetesVersion: Awaited<ReturnType<typeof readKubernetesVersion>> | undefined;
  const registrar = startRegistrar({
    client: kas.registrar,
    metadata: kas.metadata,
    podId,
    meta,
    kubernetesVersion: async () => {
      if (!kubeConfig) return null;
      kubernetesVersion = await readKubernetesVersion(kubeConfig);
      return kubernetesVersion;
    },
    logger,
    intervalMs: options.registerIntervalMs,
    failures: kas.failures,
  });
  let registeredOnce = false;
  void registrar.firstRegistration.then(() => (registeredOnce = true));

  const configWatcher = startConfigWatcher({
    client: kas.configuration,
    metadata: kas.metadata,
    meta: () => ({ ...meta, kubernetesVersion }),
    podId,
    logger,
    onConfig: (received) => applyLogLevel(logger, received.config, startLevel),
    failures: kas.failures,
  });

  const observability = options.observability
    ? await startObservabilityServer({
        ...options.observability,
        metrics,
        notReadyReason: () =>
          !registeredOnce
            ? 'not registered with kas yet'
            : stats.idle + stats.active === 0
              ? 'no tunnel to kas'
              : null,
      })
    : null;
  if (observability)
    logger.info({ url: observability.url }, `observability listening on ${observability.url}`);
  logger.info({ kas: options.kasAddress, pod_id: podId, version: AGENTK_VERSION }, 'agentk started');

  let stopping: Promise<void> | null = null;
  return {
    podId,
    observabilityUrl: observability?.url ?? null,
    logger,
    poolStats: () => pool.stats(),
    config: () => configWatcher.current(),
    registered: registrar.firstRegistration,
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        logger.info('agentk stopping: finishing calls in flight');
        registrar.stop();
        configWatcher.stop();
        await pool.stop(graceMs);
        for (const stop of stops) await stop();
        kas.close();
        await observability?.close();
        logger.info('agentk stopped');
      })();
      return stopping;
    },
  };
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** observability.logging.level of the agent configuration applies at once. */
function applyLogLevel(logger: Logger, config: Record<string, unknown>, defaultLevel: string): void {
  const observability = config.observability as { logging?: { level?: unknown } } | undefined;
  const level = observability?.logging?.level;
  const next = typeof level === 'string' && LEVELS.has(level) ? level : defaultLevel;
  if (logger.level !== next) {
    logger.info({ from: logger.level, to: next }, 'log level changed by the agent configuration');
    logger.level = next;
  }
}
