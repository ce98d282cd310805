import type { Server } from 'node:net';
import { makePrivateDir, openDatabase, type OpenedDatabase } from '@mooring/db';
import { agentServerOptions, agentServerSettings, createAgentServer } from '@mooring/modules/modserver/index';
import { settingValues } from '@mooring/modules/shared/settings';
import type { Registry } from 'prom-client';
import { agentInstallFacts } from './agent-install';
import { buildOpenApiDocument } from './api/openapi';
import { allOperations } from './api/operations/index';
import { compileRoutes, type RestRoute } from './api/rest-routes';
import { createConsoleApiServer } from './api/server';
import { createAuthenticate, createKasServices, ensureAdmin, type KasServices } from './api/services-adapter';
import { listenerTimeoutsFrom } from '@mooring/modules/shared/listener-timeouts';
import { openRedisConnection, type RedisConnection } from '@mooring/modules/shared/redis-connection';
import { relayEventsThroughRedis } from './services/event-relay';
import { hostname } from 'node:os';
import type { KasConfig } from './config';
import { closeGracefully, httpUrl, listen } from './http/listen';
import { createLogger, type Logger } from './logger';
import type { KasModule, KasModuleContext, KasModuleStarted } from './module';
import { defaultModules } from './modules';
import {
  createAgentTokenRejectedMetric,
  createHttpMetrics,
  createMetricsRegistry,
} from './observability/metrics';
import { createObservabilityServer, readinessReport, type ReadinessCheck } from './observability/server';
import { STREAM_LIMITS, type StreamLimits } from './trpc/event-stream';
import { appRouter } from './trpc/router';
import { kasVersion } from './version';
import { loadOrCreateSecret } from './secret';
import { kasCertificateStore } from './certificates/kas-certificates';
import { Provided } from './provided';
import { KUBERNETES_API_PROXY, type ProxyEndpoint } from './live/kas-module';
import { createAgentkChartServer } from './charts/agentk-chart';

export interface StartKasOptions {
  /** Modules to run; `defaultModules()` when unset. */
  modules?: KasModule[];
  /** Defaults to JSON lines on stdout at config.logLevel. */
  logger?: Logger;
  /** Redis key and channel prefix (tests sharing one Redis give each kas group its own). Default "mooring:". */
  redisKeyPrefix?: string;
  /** This replica's name (tests starting two kas in one process name them); default host:agent port. */
  replica?: string;
}

export interface RunningKas {
  ports: { api: number; observability: number } & Record<string, number>;
  urls: { api: string; observability: string } & Record<string, string>;
  services: KasServices;
  db: OpenedDatabase;
  metrics: Registry;
  logger: Logger;
  /** Set only on the start that created the admin without MOORING_ADMIN_PASSWORD: show it once. */
  initialAdmin: { username: string; password: string } | undefined;
  /** Values modules provided to the console API (KasModuleContext.provide). */
  provided: Provided;
  /** REST routes as served, for docs and tests. */
  routes: readonly RestRoute[];
  /**
   * The drain (SIGTERM): /readyz turns 503, agents get GOAWAY, the proxy and console API stop accepting and send
   * keep-alive clients elsewhere, requests in flight get MOORING_SHUTDOWN_GRACE to finish, modules stop, the
   * database closes. Called again, returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * The composition root: opens the database, builds the services, starts the observability and
 * console API listeners, then each module in order. Anything failing midway undoes what started.
 */
export async function startKas(config: KasConfig, options: StartKasOptions = {}): Promise<RunningKas> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const log = logger.child({ module: 'kas' });
  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = new AbortController();
  let accepting = true;
  const graceMs = Math.round(config.shutdownGrace * 1000);
  /** Set when the drain begins: every later step gets what is left of the one grace period. */
  let drainDeadline = Infinity;
  const graceLeft = () => Math.max(0, Math.min(graceMs, drainDeadline - performance.now()));
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log.error({ err }, 'error while shutting down');
      }
    }
  };

  let drainApi: () => Promise<void> = async () => {};
  const modules = options.modules ?? defaultModules();
  // Every module's settings were checked with kas's (loadConfig given the same modules) before anything binds.
  for (const module of modules) if (module.settings) settingValues(module.settings, config);
  // The agent listener's settings clash (a certificate without its key) before anything binds; it binds after the
  // modules registered their services on it.
  const agentServerSettingValues = agentServerOptions(
    settingValues(agentServerSettings, config),
    config.dataDir,
  );

  try {
    // umask 077 from here on, and whatever an earlier run left open to others is tightened.
    const { tightened } = makePrivateDir(config.dataDir);
    log[tightened > 0 ? 'warn' : 'info'](
      { data_dir: config.dataDir, tightened },
      tightened > 0
        ? `made ${tightened} files and directories in the data dir private (they were open to other users)`
        : 'data dir is private',
    );
    // PostgreSQL means replicas: they must share MOORING_SECRET (loadConfig already refused to go on without it).
    const secret = loadOrCreateSecret(config.dataDir, config.secret, {
      sharedDatabase: config.databaseUrl !== undefined,
    });
    const database = await openDatabase(
      config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir },
    );
    cleanups.push(() => database.close());
    log.info({ backend: database.backend, location: database.location }, 'database open');
    // The self-signed CA and server certificate the agent listener and the proxy serve (unless given files).
    const certificates = await kasCertificateStore(database, config.dataDir, secret);

    const services = createKasServices({
      database,
      secret,
      logger: logger.child({ module: 'services' }),
      configVersionsKept: config.configVersionsKept,
      usersCanCreateGroups: config.usersCanCreateGroups,
    });
    cleanups.push(() => services.close());
    const initialAdmin = await ensureAdmin(services, config.adminPassword);
    // Expired sessions are refused anyway; this only keeps the table small.
    const purge = setInterval(() => {
      services.sessions
        .purgeExpired()
        .catch((err: unknown) => log.warn({ err }, 'purging expired sessions failed'));
    }, 3_600_000);
    purge.unref();
    cleanups.push(async () => clearInterval(purge));

    const timeouts = listenerTimeoutsFrom(config);
    const metrics = createMetricsRegistry();
    const httpMetrics = createHttpMetrics(metrics);
    const readinessChecks: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
    // What several replicas share (docs/replicas.md). Redis being away is never fatal: kas keeps serving the agents
    // it holds, /readyz names the reason, and the client reconnects by itself.
    let redis: RedisConnection | undefined;
    if (config.redisUrl) {
      const redisLog = logger.child({ module: 'redis' });
      const opened = openRedisConnection({
        url: config.redisUrl,
        keyPrefix: options.redisKeyPrefix,
        log: (level, fields, message) => redisLog[level](fields, message),
      });
      redis = opened;
      cleanups.push(() => opened.close());
      readinessChecks.push({ name: 'redis', check: () => opened.check() });
      // Configuration and service events reach the other replicas' listeners.
      const relay = relayEventsThroughRedis(services.events, opened, {
        log: (level, fields, message) => redisLog[level](fields, message),
      });
      cleanups.push(() => relay.stop());
    }
    // This replica's name in connection rows and the tunnel tracker: host and agent port, or host and pid when the
    // port is picked at start.
    const replica = options.replica ?? `${hostname()}:${config.agentPort || process.pid}`;
    const bind = async (server: Server, port: number, name: string) => {
      const bound = await listen(server, config.listenHost, port);
      log.info(
        { listener: name, host: config.listenHost, port: bound, requested_port: port },
        `${name} listening on ${httpUrl(config.listenHost, bound)}`,
      );
      return bound;
    };

    const readinessOptions = {
      logger: logger.child({ module: 'observability' }),
      readinessChecks: () => readinessChecks,
      isAcceptingTraffic: () => accepting,
    };
    const observability = createObservabilityServer({
      ...readinessOptions,
      registry: metrics,
      httpMetrics,
      timeouts,
    });
    const observabilityPort = await bind(observability, config.observabilityPort, 'observability');
    // Closed last: a load balancer keeps reading /readyz (503) until the end of the drain.
    cleanups.push(() => closeGracefully(observability, 2_000));

    const provided = new Provided();
    // How far a console live stream may fall behind (trpc/event-stream.ts).
    provided.set(STREAM_LIMITS, {
      maxEvents: config.liveBufferEvents,
      maxBytes: config.liveBufferBytes,
    } satisfies StreamLimits);
    const routes = compileRoutes(allOperations);
    const openApi = buildOpenApiDocument(allOperations, kasVersion);
    const api = createConsoleApiServer({
      router: appRouter,
      routes,
      services,
      kasInfo: {
        // The agent listener module reports its URL (scheme reflects TLS) once started.
        agentAddress: () => config.kasUrl ?? urls.agent,
        proxyEndpoint: () =>
          provided.get<{ get(): ProxyEndpoint | null }>(KUBERNETES_API_PROXY)?.get() ?? null,
        provided: (name) => provided.get(name),
        agentInstall: () =>
          urls.agent === undefined
            ? undefined
            : agentInstallFacts({
                kasUrl: config.kasUrl,
                listenHost: config.listenHost,
                listenerUrl: urls.agent,
                caPem: agentServer.caPem?.toString('utf8') ?? null,
                caFile: agentServer.caFile,
                dataDir: config.dataDir,
              }),
      },
      shutdown: shutdown.signal,
      provided,
      authenticate: createAuthenticate(services),
      logger: logger.child({ module: 'api' }),
      httpMetrics,
      documents: { '/openapi.json': () => openApi },
      timeouts,
      consoleAddresses: config.consoleAddresses,
      secureCookies: config.consoleUrl?.startsWith('https:') ?? false,
      agentkChart: createAgentkChartServer(config.agentkChartDir),
    });
    const apiPort = await bind(api, config.apiPort, 'console API');
    // The drain starts it (beside the proxy's); the cleanup waits for it.
    let apiClosed: Promise<void> | undefined;
    drainApi = () => (apiClosed ??= closeGracefully(api, graceLeft()));
    cleanups.push(() => drainApi());

    const ports: RunningKas['ports'] = { api: apiPort, observability: observabilityPort };
    const urls: RunningKas['urls'] = {
      api: httpUrl(config.listenHost, apiPort),
      observability: httpUrl(config.listenHost, observabilityPort),
    };

    const tokenRejected = createAgentTokenRejectedMetric(metrics);
    const agentServer = createAgentServer({
      host: config.listenHost,
      port: config.agentPort,
      ...agentServerSettingValues,
      tls:
        agentServerSettingValues.tls.mode === 'self-signed'
          ? { ...agentServerSettingValues.tls, store: certificates }
          : agentServerSettingValues.tls,
      verifyAgentToken: async (token) => {
        // The token service caches; comparing its lookup counter tells a cache hit from a miss (approximate
        // under concurrent verifications, good enough for a hit-ratio metric).
        const before = services.agentTokens.stats?.().dbLookups;
        const identity = await services.agentTokens.verify(token);
        const after = services.agentTokens.stats?.().dbLookups;
        if (!identity) {
          // The refusal stands whatever happens here: a failed lookup must not turn it into "retry later".
          const reason = await services.agentTokens.refused(token).catch((err: unknown) => {
            log.warn({ err }, 'could not tell why an agent token was refused');
            return 'unknown' as const;
          });
          tokenRejected.inc({ reason });
        }
        return identity
          ? { ...identity, fromCache: before === undefined ? undefined : before === after }
          : null;
      },
      onRevoked: (listener) => services.agentTokens.onRevoked(listener),
      logger: logger.child({ module: 'agent_server' }),
      metrics,
      timeouts,
    });
    // Pushed before the modules, so it runs after they stopped: they close idle streams, then calls in flight drain.
    cleanups.push(() => agentServer.stop(graceLeft()));

    for (const module of modules) {
      const ctx: KasModuleContext = {
        config,
        agentServer,
        logger: logger.child({ module: module.name }),
        metrics,
        services,
        database,
        secret,
        certificates,
        redis,
        replica,
        signal: shutdown.signal,
        shutdownGraceMs: graceMs,
        addReadinessCheck: (check) => readinessChecks.push(check),
        readiness: () => readinessReport(readinessOptions),
        listen: bind,
        provide: (name, value) => {
          provided.set(name, value);
          cleanups.push(async () => provided.delete(name));
        },
      };
      cleanups.push(() => module.stop());
      const started: KasModuleStarted | void = await module.start(ctx);
      Object.assign(ports, started?.ports ?? {});
      Object.assign(urls, started?.urls ?? {});
      log.info({ started_module: module.name }, `module ${module.name} started`);
    }
    if (agentServer.hasServices()) {
      const agent = await agentServer.start();
      ports.agent = agent.port;
      urls.agent = agent.url;
      if (agentServer.caFile) urls.agentCaFile = agentServer.caFile;
      readinessChecks.push({ name: 'agent listener', check: async () => void agentServer.port });
    }

    let stopping: Promise<void> | undefined;
    return {
      ports,
      urls,
      services,
      db: database,
      metrics,
      logger,
      initialAdmin,
      provided,
      routes,
      stop() {
        stopping ??= (async () => {
          const started = performance.now();
          drainDeadline = started + graceMs;
          accepting = false;
          log.info(
            { grace_ms: graceMs },
            'drain: /readyz answers 503 from now on; load balancers send new connections elsewhere',
          );
          const agentConnections = agentServer.drain();
          log.info(
            { agent_connections: agentConnections },
            'drain: sent GOAWAY to every agent connection; agentk reconnects (to another replica behind a load balancer) while its calls here finish',
          );
          // Modules with listeners (the proxy) begin their drains on the signal; long-lived streams end on it.
          shutdown.abort();
          void drainApi();
          log.info(
            'drain: the console API stopped accepting; HTTP/1.1 clients get Connection: close, its streams end',
          );
          await runCleanups();
          log.info({ drain_ms: Math.round(performance.now() - started) }, 'stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    shutdown.abort();
    await runCleanups();
    throw err;
  }
}
