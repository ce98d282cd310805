// The proxy as a kas module: kas's composition root lists it after the agent listener and hands it the dialer.
// Typed structurally against apps/kas/src/module.ts (KasModule) so the module does not import the app.
import type { Registry } from 'prom-client';
import type { CertificateStore } from '../../shared/certificates';
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { settingValues } from '../../shared/settings';
import { listenerTimeoutsFrom, type ListenerTimeoutSettings } from '../../shared/listener-timeouts';
import { AGENT_KUBE_REQUESTS, requestThroughAgent, type AgentKubeRequests } from './agent-request';
import { cachedAuthenticator } from './authenticator';
import { startKubernetesApiProxy, type KubernetesApiProxy, type ProxyLog } from './proxy-server';
import { redisRateLimiter } from '../../shared/redis-rate-limiter';
import type { RedisConnection } from '../../shared/redis-connection';
import { unlimited, windowRateLimiter } from './rate-limit';
import { servicesAuthenticator, type ProxyAuthServices } from './services-authenticator';
import { kubernetesApiSettings } from './settings';
import { proxyTlsSource, type ProxyTls } from './tls';

export interface ProxyModuleContext {
  /** kas's configuration, with this module's contribution (kubernetesApiSettings) in it. */
  readonly config: {
    listenHost: string;
    dataDir?: string;
    consoleUrl?: string;
    tokenRateLimitPerMinute?: number;
  } & ListenerTimeoutSettings;
  readonly logger: ProxyLog;
  readonly metrics: Registry;
  readonly services: ProxyAuthServices;
  /**
   * Where kas keeps its self-signed certificates when not in <dataDir>/tls/agent-api (on PostgreSQL: the database,
   * so every replica serves the same CA); kas's KasModuleContext.certificates.
   */
  readonly certificates?: CertificateStore;
  /** The shared Redis (REDIS_URL): the per-credential rate limit lives there. */
  readonly redis?: RedisConnection;
  /** Hands values to the console API (kas's KasModuleContext.provide); absent in tests that start the module bare. */
  provide?(name: string, value: unknown): void;
  /** Aborted when kas begins to drain: the proxy stops accepting and tells keep-alive clients to reconnect. */
  readonly signal?: AbortSignal;
  /** How long requests in flight may take once `signal` aborted (MOORING_SHUTDOWN_GRACE); default 0. */
  readonly shutdownGraceMs?: number;
}

export interface KubernetesApiProxyModuleOptions {
  /** The agent listener's dialer; called at start, after the agent module started. */
  dialer: () => AgentDialer;
  /**
   * kas's certificate. Omitted: the files of MOORING_PROXY_TLS_CERT_FILE / _KEY_FILE (and _CA_FILE), else the
   * agent listener's self-signed CA and certificate in <dataDir>/tls/agent-api (one CA for the whole kas, renewed
   * before it expires) or kas's certificate store (ctx.certificates), or, without either, a throwaway one generated
   * with openssl.
   */
  tls?: () => ProxyTls | undefined;
  /** Milliseconds; decides when the self-signed certificate is due for renewal (tests move it). */
  now?: () => number;
  tlsRefreshMs?: number;
  /**
   * Auth answer cache (default 10 s / 5 s). Shorter than GitLab's 60 s because kas's own services already keep
   * token checks in memory. Emptied on every access change and configuration change kas's events announce, so this
   * bounds only how late a change no event announces (e.g. an expiring token) reaches the proxy.
   */
  authCache?: { ttlMs: number; errorTtlMs: number };
  routingTimeoutMs?: number;
  credentialRecheckMs?: number;
}

export function createKubernetesApiProxyModule(options: KubernetesApiProxyModuleOptions) {
  let proxy: KubernetesApiProxy | null = null;
  /** MOORING_PROXY_URL: the load balancer's address, handed out instead of the listener's own. */
  let publicUrl: string | undefined;
  let unsubscribe: (() => void)[] = [];
  /** The drain begun when kas's signal aborted; stop() waits for it. */
  let draining: Promise<void> | null = null;
  return {
    name: 'kubernetes_api',
    settings: kubernetesApiSettings,
    /** The running proxy (its listener's URL, CA), once started. */
    proxy: () => proxy,
    /**
     * What kubeconfigs and the console are given: MOORING_PROXY_URL when set (the load balancer in front of the
     * replicas), else the listener's URL; with the proxy's CA. Null until started.
     */
    endpoint: (): { url: string; caPem: string | null } | null =>
      proxy ? { url: publicUrl ?? proxy.url, caPem: proxy.caPem } : null,
    async start(ctx: ProxyModuleContext) {
      const cache = options.authCache ?? { ttlMs: 10_000, errorTtlMs: 5_000 };
      const settings = settingValues(kubernetesApiSettings, ctx.config);
      publicUrl = settings.proxyUrl;
      const authenticate = cachedAuthenticator(servicesAuthenticator(ctx.services), cache);
      // A revocation or an access change reaches the proxy at once; the TTL only bounds what no event announces.
      // Open watches, log streams and terminals are re-checked at once too: a signed-out session, a disabled user or a
      // revoked token ends its exec sessions now, not at the next periodic re-check.
      const events = ctx.services.events;
      const changed = () => {
        authenticate.clear();
        proxy?.recheckCredentials();
      };
      if (events)
        unsubscribe = [events.accessChanged.subscribe(changed), events.configChanged.subscribe(changed)];
      proxy = await startKubernetesApiProxy({
        host: ctx.config.listenHost,
        port: settings.proxyPort,
        maxConcurrentStreams: settings.proxyHttp2MaxStreams,
        execSessionsPerUser: settings.proxyUserExecSessions,
        tls:
          options.tls?.() ??
          proxyTlsSource(
            { ...settings, dataDir: ctx.config.dataDir, certificates: ctx.certificates },
            { hosts: [ctx.config.listenHost], now: options.now },
          ),
        tlsRefreshMs: options.tlsRefreshMs,
        dialer: options.dialer(),
        authenticate,
        metricsRegistry: ctx.metrics,
        routingTimeoutMs: options.routingTimeoutMs,
        credentialRecheckMs: options.credentialRecheckMs,
        log: ctx.logger,
        timeouts: listenerTimeoutsFrom(ctx.config),
        consoleUrl: ctx.config.consoleUrl,
        // Several replicas (REDIS_URL) share each credential's budget.
        rateLimiter: !ctx.config.tokenRateLimitPerMinute
          ? unlimited
          : ctx.redis
            ? redisRateLimiter({ redis: ctx.redis, limit: ctx.config.tokenRateLimitPerMinute })
            : windowRateLimiter({ limit: ctx.config.tokenRateLimitPerMinute }),
      });
      // The console API's own requests through an agent (SubjectAccessReviews, one object): the same call kind.
      const dialer = options.dialer();
      ctx.provide?.(AGENT_KUBE_REQUESTS, {
        request: (agentId, request) => requestThroughAgent(dialer, agentId, request),
      } satisfies AgentKubeRequests);
      // The drain starts with kas's (not when this module's turn to stop comes), so it runs beside the others'.
      const running = proxy;
      const graceMs = ctx.shutdownGraceMs ?? 0;
      const drain = () => {
        ctx.logger.info(
          { connections: running.connections(), grace_ms: graceMs },
          'drain: the Kubernetes API proxy stopped accepting; HTTP/1.1 clients get Connection: close, HTTP/2 clients GOAWAY; requests in flight may finish',
        );
        const started = performance.now();
        draining = running
          .stop(graceMs)
          .then(() =>
            ctx.logger.info(
              { drain_ms: Math.round(performance.now() - started) },
              'drain: the Kubernetes API proxy closed its last connection',
            ),
          );
      };
      if (ctx.signal?.aborted) drain();
      else ctx.signal?.addEventListener('abort', drain, { once: true });
      return { ports: { proxy: proxy.port }, urls: { proxy: proxy.url } };
    },
    async stop() {
      for (const stop of unsubscribe) stop();
      unsubscribe = [];
      await (draining ?? proxy?.stop());
      proxy = null;
    },
  };
}
