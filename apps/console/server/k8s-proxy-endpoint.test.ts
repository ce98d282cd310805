// The console learns kas's proxy URL and CA from kas itself (a real HTTP server stands in for kas's console API).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  ENDPOINT_CACHE_MS,
  forgetKubernetesProxyEndpoint,
  kubernetesProxyEndpoint,
  ProxyEndpointError,
} from './k8s-proxy-endpoint';

describe('kubernetesProxyEndpoint', () => {
  let kas: http.Server;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let asked = 0;

  beforeAll(async () => {
    kas = http.createServer((req, res) => {
      asked++;
      res.writeHead(req.url === '/api/v1/kubernetes-proxy' ? answer.status : 404, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => kas.listen(0, '127.0.0.1', resolve));
    process.env.MOORING_KAS_URL = `http://127.0.0.1:${(kas.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    forgetKubernetesProxyEndpoint();
    asked = 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => kas.close(resolve));
  });

  it("answers kas's URL and CA, and asks kas again only once the cache time has passed", async () => {
    answer = { status: 200, body: { url: 'https://127.0.0.1:8154/k8s-proxy', caPem: 'PEM' } };
    const first = await kubernetesProxyEndpoint(1_000);
    expect(first.url.href).toBe('https://127.0.0.1:8154/k8s-proxy');
    expect(first.caPem).toBe('PEM');
    await kubernetesProxyEndpoint(1_000 + ENDPOINT_CACHE_MS - 1);
    expect(asked).toBe(1);
    await kubernetesProxyEndpoint(1_000 + ENDPOINT_CACHE_MS);
    expect(asked).toBe(2);
  });

  it("passes on kas's own reason when it runs without the proxy", async () => {
    answer = {
      status: 503,
      body: { code: 'unavailable', message: 'this kas runs without the Kubernetes API proxy' },
    };
    await expect(kubernetesProxyEndpoint()).rejects.toMatchObject({
      code: 503,
      message: 'this kas runs without the Kubernetes API proxy',
    });
  });

  it('refuses an answer that is not a URL and CA', async () => {
    answer = { status: 200, body: { url: 42 } };
    await expect(kubernetesProxyEndpoint()).rejects.toThrow(/this console's version/);
  });

  it('names MOORING_KAS_URL when kas does not answer', async () => {
    const saved = process.env.MOORING_KAS_URL;
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.MOORING_KAS_URL = `http://127.0.0.1:${port}`;
    try {
      const error = await kubernetesProxyEndpoint().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProxyEndpointError);
      expect((error as ProxyEndpointError).code).toBe(502);
      expect((error as Error).message).toMatch(/check that kas is running and MOORING_KAS_URL points at/);
    } finally {
      process.env.MOORING_KAS_URL = saved;
    }
  });
});
