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
  /** Hands values to the console API (kas's KasModuleContext.provide); absent in tests that start the module bare. */
  provide?(name: string, value: unknown): void;
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
  let unsubscribe: (() => void)[] = [];
  return {
    name: 'kubernetes_api',
    settings: kubernetesApiSettings,
    /** The running proxy (URL, CA), once started. */
    proxy: () => proxy,
    async start(ctx: ProxyModuleContext) {
      const cache = options.authCache ?? { ttlMs: 10_000, errorTtlMs: 5_000 };
      const settings = settingValues(kubernetesApiSettings, ctx.config);
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
        rateLimiter: ctx.config.tokenRateLimitPerMinute
          ? windowRateLimiter({ limit: ctx.config.tokenRateLimitPerMinute })
          : unlimited,
      });
      // The console API's own requests through an agent (SubjectAccessReviews, one object): the same call kind.
      const dialer = options.dialer();
      ctx.provide?.(AGENT_KUBE_REQUESTS, {
        request: (agentId, request) => requestThroughAgent(dialer, agentId, request),
      } satisfies AgentKubeRequests);
      return { ports: { proxy: proxy.port }, urls: { proxy: proxy.url } };
    },
    async stop() {
      for (const stop of unsubscribe) stop();
      unsubscribe = [];
      await proxy?.stop();
      proxy = null;
    },
  };
}
