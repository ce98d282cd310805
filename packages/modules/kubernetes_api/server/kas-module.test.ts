import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_DEFAULTS, ensureSelfSignedCertificate } from '../../shared/certificates';
import { servedFingerprint } from '../../shared/testing/loopback';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { createKubernetesApiProxyModule } from './kas-module';
import type { ProxyAuthServices } from './services-authenticator';

// FAKE services: no PAT is valid, so every request answers 401 (the module's wiring is what is under test).
const noServices: ProxyAuthServices = {
  personalAccessTokens: { verify: async () => null },
  sessions: { resolve: async () => null, verifyCsrf: () => false },
  ciJobTokens: { verify: async () => null },
  agentAccess: { forUser: async () => null, forCiJob: async () => null },
};

describe('createKubernetesApiProxyModule', () => {
  it('listens with the agent listener CA from the data dir and answers 401 through the services', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'proxy-module-'));
    const module = createKubernetesApiProxyModule({
      dialer: () => directDialerForTests(async (call) => call.finish(), new Set()),
    });
    // kas's configuration with the module's contribution in it, as loadConfig builds it.
    const config = {
      listenHost: '127.0.0.1',
      proxyPort: 0,
      proxyHttp2MaxStreams: 250,
      proxyUserExecSessions: 20,
      proxyTlsCertFile: undefined,
      proxyTlsKeyFile: undefined,
      proxyTlsCaFile: undefined,
      proxyUrl: undefined,
      dataDir,
    };
    const started = await module.start({
      config,
      logger: { info: () => undefined, warn: () => undefined },
      metrics: new Registry(),
      services: noServices,
    });
    try {
      const proxy = module.proxy()!;
      expect(started.ports.proxy).toBe(proxy.port);
      expect(proxy.caPem).toBe(readFileSync(join(dataDir, 'tls', 'agent-api', 'ca.crt'), 'utf8'));
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get(
            `${proxy.url}/api`,
            { ca: proxy.caPem ?? undefined, headers: { authorization: 'Bearer pat:1:mpat-nope' } },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          )
          .on('error', reject);
      });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).message).toContain('lacks the k8s_proxy scope');
    } finally {
      await module.stop();
    }
  });

  const logger = { info: () => undefined, warn: () => undefined };
  const start = (
    module: ReturnType<typeof createKubernetesApiProxyModule>,
    config: Record<string, string | undefined>,
  ) =>
    module.start({
      // What loadConfig gives the module: every key of its settings table, unset ones included.
      config: {
        listenHost: '127.0.0.1',
        proxyPort: 0,
        proxyHttp2MaxStreams: 250,
        proxyUserExecSessions: 20,
        proxyTlsCertFile: undefined,
        proxyTlsKeyFile: undefined,
        proxyTlsCaFile: undefined,
        proxyUrl: undefined,
        ...config,
      } as { listenHost: string; dataDir?: string },
      logger,
      metrics: new Registry(),
      services: noServices,
    });
  const newModule = (now?: () => number) =>
    createKubernetesApiProxyModule({
      dialer: () => directDialerForTests(async (call) => call.finish(), new Set()),
      now,
    });

  it("serves the operator's certificate files; kubeconfigs embed a CA only when _CA_FILE names one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'));
    const made = ensureSelfSignedCertificate(dir);
    const files = { proxyTlsCertFile: join(dir, 'server.crt'), proxyTlsKeyFile: join(dir, 'server.key') };
    for (const [config, ca] of [
      [files, null],
      [{ ...files, proxyTlsCaFile: join(dir, 'ca.crt') }, made.caPem!.toString()],
    ] as const) {
      const module = newModule();
      await start(module, config);
      try {
        expect(module.proxy()!.caPem).toBe(ca);
        expect(await servedFingerprint(module.proxy()!.port, made.caPem!)).toBe(
          new X509Certificate(made.certPem).fingerprint256,
        );
      } finally {
        await module.stop();
      }
    }
  });

  it('refuses half a certificate setting, naming what to set', async () => {
    await expect(start(newModule(), { proxyTlsCertFile: '/tmp/cert.pem' })).rejects.toThrow(
      /MOORING_PROXY_TLS_CERT_FILE is set but MOORING_PROXY_TLS_KEY_FILE is not: set both/,
    );
    await expect(start(newModule(), { proxyTlsCaFile: '/tmp/ca.pem' })).rejects.toThrow(
      /MOORING_PROXY_TLS_CA_FILE is set without MOORING_PROXY_TLS_CERT_FILE/,
    );
  });

  it('renews the self-signed certificate before it expires, keeping the CA (injected clock)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'proxy-module-'));
    let now = Date.now();
    const module = newModule(() => now);
    await start(module, { dataDir });
    try {
      const proxy = module.proxy()!;
      const ca = proxy.caPem!;
      const before = await servedFingerprint(proxy.port, ca);
      await proxy.refreshTls();
      expect(await servedFingerprint(proxy.port, ca)).toBe(before);
      const cert = readFileSync(join(dataDir, 'tls', 'agent-api', 'server.crt'));
      now = new Date(new X509Certificate(cert).validTo).getTime() - CERTIFICATE_DEFAULTS.renewBeforeMs + 1;
      await proxy.refreshTls();
      const after = await servedFingerprint(proxy.port, ca);
      expect(after).not.toBe(before);
      expect(proxy.caPem).toBe(ca);
    } finally {
      await module.stop();
    }
  });
});
