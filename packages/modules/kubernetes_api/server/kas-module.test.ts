import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
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
    const config = { listenHost: '127.0.0.1', proxyPort: 0, dataDir };
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
            { ca: proxy.caPem, headers: { authorization: 'Bearer pat:1:mpat-nope' } },
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
});
