// MOORING_PROXY_URL: behind a load balancer the kubeconfigs kas hands out (kubeconfig.create over REST,
// kubeconfig.forAgent over tRPC) and the proxy address the console's server asks for name the balancer, not the
// replica's own listener, and still carry the proxy's CA.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { startTestKas, type TestKas } from '../testing/test-kas';
import type { AppRouter } from '../trpc/router';
import { buildHttpWorld, type HttpWorld } from '../testing/world';

const publicUrl = 'https://kas.example.com:8443/k8s-proxy';

interface KubeconfigFile {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
}

const serversOf = (yaml: string) => (parse(yaml) as KubeconfigFile).clusters.map((c) => c.cluster);

describe('MOORING_PROXY_URL: kubeconfigs point at the load balancer', () => {
  let tk: TestKas;
  let w: HttpWorld;

  beforeAll(async () => {
    // A trailing slash is dropped, as the setting's parser does.
    tk = await startTestKas('pglite', {
      modules: defaultModules(),
      env: { MOORING_PROXY_URL: `${publicUrl}/` },
    });
    w = await buildHttpWorld(tk);
  });

  afterAll(async () => {
    await tk?.dispose();
  });

  it('answers the public URL in kubeconfig.create, kubeconfig.forAgent and /kubernetes-proxy, with the CA', async () => {
    const listener = tk.kas.urls.proxy!;
    expect(listener).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/k8s-proxy$/);

    const proxy = await w.as.developer.get<{ url: string; caPem: string | null }>('/api/v1/kubernetes-proxy');
    expect(proxy.status, proxy.text).toBe(200);
    expect(proxy.body.url).toBe(publicUrl);
    expect(proxy.body.caPem).toContain('BEGIN CERTIFICATE');

    const made = await w.as.developer.post<{ yaml: string }>('/api/v1/kubeconfig', { agentIds: [w.agentId] });
    expect(made.status, made.text).toBe(201);
    const [cluster] = serversOf(made.body.yaml);
    expect(cluster!.server).toBe(publicUrl);
    expect(Buffer.from(cluster!['certificate-authority-data']!, 'base64').toString()).toBe(proxy.body.caPem);
    expect(made.body.yaml).not.toContain(listener);

    const pat = await w.as.developer.post<{ secret: string }>('/api/v1/personal_access_tokens', {
      name: 'public-url',
      scopes: ['read_api'],
    });
    expect(pat.status, pat.text).toBe(201);
    const trpc = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${tk.apiUrl}/trpc`, headers: { authorization: `Bearer ${pat.body.secret}` } }),
      ],
    });
    const forAgent = await trpc.kubeconfig.forAgent.query({ agentId: w.agentId });
    expect(serversOf(forAgent.yaml).map((c) => c.server)).toEqual([publicUrl]);
  });
});
