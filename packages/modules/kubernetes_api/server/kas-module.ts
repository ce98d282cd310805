// The proxy as a kas module: kas's composition root lists it after the agent listener and hands it the dialer.
// Typed structurally against apps/kas/src/module.ts (KasModule) so the module does not import the app.
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { ensureSelfSignedCertificate } from '../../reverse_tunnel/server/tls';
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { listenerTimeoutsFrom, type ListenerTimeoutSettings } from '../../shared/listener-timeouts';
import { cachedAuthenticator } from './authenticator';
import { startKubernetesApiProxy, type KubernetesApiProxy, type ProxyLog } from './proxy-server';
import { unlimited, windowRateLimiter } from './rate-limit';
import { servicesAuthenticator, type ProxyAuthServices } from './services-authenticator';
import type { ProxyTls } from './tls';

export interface ProxyModuleContext {
  readonly config: {
    listenHost: string;
    proxyPort: number;
    dataDir?: string;
    consoleUrl?: string;
    tokenRateLimitPerMinute?: number;
  } & ListenerTimeoutSettings;
  readonly logger: ProxyLog;
  readonly metrics: Registry;
  readonly services: ProxyAuthServices;
}

export interface KubernetesApiProxyModuleOptions {
  /** The agent listener's dialer; called at start, after the agent module started. */
  dialer: () => AgentDialer;
  /**
   * kas's certificate. Omitted: the agent listener's self-signed CA and certificate in <dataDir>/tls/agent-api
   * (one CA for the whole kas), or, without a data dir, a throwaway one generated with openssl.
   */
  tls?: () => ProxyTls | undefined;
  /**
   * Auth answer cache (default 10 s / 5 s). Shorter than GitLab's 60 s because kas's own services already keep
   * token checks in memory; this bounds how late a revocation or an access change reaches the proxy.
   */
  authCache?: { ttlMs: number; errorTtlMs: number };
  routingTimeoutMs?: number;
  credentialRecheckMs?: number;
}

export function createKubernetesApiProxyModule(options: KubernetesApiProxyModuleOptions) {
  let proxy: KubernetesApiProxy | null = null;
  return {
    name: 'kubernetes_api',
    /** The running proxy (URL, CA), once started. */
    proxy: () => proxy,
    async start(ctx: ProxyModuleContext) {
      const cache = options.authCache ?? { ttlMs: 10_000, errorTtlMs: 5_000 };
      proxy = await startKubernetesApiProxy({
        host: ctx.config.listenHost,
        port: ctx.config.proxyPort,
        tls: options.tls?.() ?? defaultTls(ctx.config.dataDir),
        dialer: options.dialer(),
        authenticate: cachedAuthenticator(servicesAuthenticator(ctx.services), cache),
        metricsRegistry: ctx.metrics,
        routingTimeoutMs: options.routingTimeoutMs,
        credentialRecheckMs: options.credentialRecheckMs ?? 10_000,
        log: ctx.logger,
        timeouts: listenerTimeoutsFrom(ctx.config),
        consoleUrl: ctx.config.consoleUrl,
        rateLimiter: ctx.config.tokenRateLimitPerMinute
          ? windowRateLimiter({ limit: ctx.config.tokenRateLimitPerMinute })
          : unlimited,
      });
      return { ports: { proxy: proxy.port }, urls: { proxy: proxy.url } };
    },
    async stop() {
      await proxy?.stop();
      proxy = null;
    },
  };
}

function defaultTls(dataDir: string | undefined): ProxyTls | undefined {
  if (!dataDir) return undefined;
  const material = ensureSelfSignedCertificate(join(dataDir, 'tls', 'agent-api'));
  if (!material.caPem) return undefined;
  return {
    certPem: material.certPem.toString(),
    keyPem: material.keyPem.toString(),
    caPem: material.caPem.toString(),
  };
}
