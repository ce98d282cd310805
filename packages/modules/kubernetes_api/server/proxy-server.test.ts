import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { makeRequestHandler } from '../agent/make-request-handler';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { startStandInApiServer, type StandInApiServer } from '../shared/testing/stand-in-api-server';
import type { AuthorizedCaller } from '../shared/impersonation';
import { testCaller } from '../shared/testing/authorized-caller';
import { ProxyAuthError, type ProxyCredential } from './credentials';
import { generateSelfSignedTls } from '../../shared/certificates';
import { servedFingerprint } from '../../shared/testing/loopback';
import { startKubernetesApiProxy, type KubernetesApiProxy } from './proxy-server';
import { kubeApiTargetFromKubeConfig } from '../agent/kube-api-target';
import { KubeConfig } from '@kubernetes/client-node';

// FAKE authenticator for unit tests: token "agent-mode" → access_as agent, "user-mode" → access_as user.
async function fakeAuthenticate(c: ProxyCredential): Promise<AuthorizedCaller> {
  const secret = c.kind === 'pat' ? c.token : c.kind === 'ci_job' ? c.jobToken : c.csrfToken;
  if (c.kind === 'session' && c.cookieHeader !== 'mooring_session=s1')
    throw new ProxyAuthError('session expired');
  if (secret === 'agent-mode' || c.kind === 'session') {
    return testCaller({ agentId: c.agentId });
  }
  if (secret === 'user-mode') {
    return testCaller({
      agentId: c.agentId,
      accessAs: { user: {} },
      projects: [{ id: 5, roles: ['developer'] }],
    });
  }
  throw new ProxyAuthError('the personal access token is unknown, expired or revoked');
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  proxy: KubernetesApiProxy,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${proxy.url}${path}`,
      { method, headers, ca: proxy.caPem ?? undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pat = (token: string, agent = 7) => ({ authorization: `Bearer pat:${agent}:${token}` });

describe('Kubernetes API proxy over a direct (in-memory) tunnel', () => {
  let api: StandInApiServer;
  let proxy: KubernetesApiProxy;
  const registry = new Registry();

  beforeAll(async () => {
    api = await startStandInApiServer();
    const handler = makeRequestHandler({ target: api.target });
    proxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(handler, new Set([7])),
      authenticate: fakeAuthenticate,
      metricsRegistry: registry,
      routingTimeoutMs: 100,
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await api.close();
  });

  it('forwards a GET with the agent credential, Via, and query, stripping kas credentials', async () => {
    const answer = await call(proxy, '/api/v1/pods?labelSelector=app%3Dweb&watch=false', {
      ...pat('agent-mode'),
      cookie: 'x=1',
      'x-csrf-token': 'c',
      'impersonate-user': 'bob',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const seen = api.seen.at(-1)!;
    expect(seen.url).toBe('/api/v1/pods?labelSelector=app%3Dweb&watch=false');
    expect(seen.headers.authorization).toBe('Bearer agent-sa-token');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-csrf-token']).toBeUndefined();
    expect(seen.headers['impersonate-user']).toBe('bob');
    expect(seen.headers.via).toBe('1.1 mooring-kas, 1.1 mooring-agentk');
  });

  it('impersonates the user in access_as user and streams a request body', async () => {
    const answer = await call(
      proxy,
      '/api/v1/namespaces',
      { ...pat('user-mode'), 'content-type': 'application/json' },
      'POST',
      '{"kind":"Namespace"}',
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', body: '{"kind":"Namespace"}' });
    const seen = api.seen.at(-1)!;
    expect(seen.headers['impersonate-user']).toBe('mooring:user:alice');
    expect(seen.headers['impersonate-group']).toBe('mooring:user, mooring:project_role:5:developer');
    expect(seen.headers['impersonate-extra-agent.mooring.dev%2fid']).toBe('7');
  });

  it('answers 400 when a caller impersonates outside agent mode', async () => {
    const answer = await call(proxy, '/api', { ...pat('user-mode'), 'impersonate-user': 'root' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    expect(JSON.parse(answer.body).message).toContain('only access_as agent lets a caller impersonate');
  });

  it('answers 401 Status for missing, malformed and rejected credentials', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer mpat-xyz' },
      pat('wrong'),
      { cookie: 'mooring_session=s1' },
    ];
    for (const headers of attempts) {
      const answer = await call(proxy, '/api', headers);
      expect(answer.status).toBe(401);
      const status = JSON.parse(answer.body);
      expect(status).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Unauthorized',
        code: 401,
      });
      expect(status.message).toMatch(/Unauthorized: .+/);
    }
  });

  it('accepts a browser session with the agent id in the query and the CSRF token in its header', async () => {
    const answer = await call(proxy, '/version?mooring-agent-id=7', {
      cookie: 'mooring_session=s1',
      'x-csrf-token': 't',
    });
    expect(answer.status).toBe(200);
    expect(api.seen.at(-1)!.url).toBe('/version');
  });

  it('answers 503 naming the agent when it has no tunnel, without Retry-After', async () => {
    const answer = await call(proxy, '/api', pat('agent-mode', 8));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(answer.body).message).toContain(
      'agent 8 has no connection to any kas replica; last seen never',
    );
  });

  it('passes the API server status through and keeps a quiet stream open', async () => {
    expect((await call(proxy, '/forbidden', pat('agent-mode'))).status).toBe(403);
    // Each event reaches the client before the next is written: the proxy streams, it neither buffers nor waits
    // for the end, and a quiet gap of any length (the test holds it) does not close the stream.
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      https
        .get(
          `${proxy.url}/slow-stream`,
          { headers: pat('agent-mode'), ca: proxy.caPem ?? undefined },
          (res) => {
            expect(res.statusCode).toBe(200);
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              received.push(chunk);
              if (received.length < 3) api.releaseStreamEvent();
            });
            res.on('end', () => resolve());
            res.on('error', reject);
          },
        )
        .on('error', reject);
    });
    await done;
    expect(received).toEqual(['event 0\n', 'event 1\n', 'event 2\n']);
  });

  it('relays raw bytes both ways after a 101 and counts the upgrade', async () => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: proxy.port,
      ca: proxy.caPem ?? undefined,
      servername: 'localhost',
    });
    await new Promise<void>((r) => socket.once('secureConnect', () => r()));
    socket.write(
      'GET /k8s-proxy/upgrade HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pat:7:agent-mode\r\n' +
        'Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\nhello',
    );
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('HELLO') && !received.includes('WORLD')) socket.write('world');
    });
    await expect.poll(() => received, { timeout: 3000 }).toContain('WORLD');
    expect(received).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
    expect(received.toLowerCase()).toContain('upgrade: spdy/3.1');
    socket.end();
    const metric = await registry.getSingleMetric('mooring_kas_k8s_proxy_upgrades_total')!.get();
    expect(metric.values.find((v) => v.labels.protocol === 'spdy')?.value).toBe(1);
  });

  it('carries a 20 MiB response body intact', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      https
        .get(
          `${proxy.url}/big?bytes=${20 * 1024 * 1024}`,
          { headers: pat('agent-mode'), ca: proxy.caPem ?? undefined },
          (res) => {
            let n = 0;
            res.on('data', (c: Buffer) => (n += c.length));
            res.on('end', () => resolve(n));
          },
        )
        .on('error', reject);
    });
    expect(answer).toBe(20 * 1024 * 1024);
  });

  it('answers 502 with a Status when agentk cannot reach its API server', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const dead = await kubeApiTargetFromKubeConfig(kc);
    const deadProxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(makeRequestHandler({ target: dead }), new Set([7])),
      authenticate: fakeAuthenticate,
    });
    try {
      const answer = await call(deadProxy, '/api', pat('agent-mode'));
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.body).message).toMatch(
        /^agentk could not reach its Kubernetes API server at https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
      );
    } finally {
      await deadProxy.stop();
      dead.close();
    }
  });
});

describe('startKubernetesApiProxy defaults and certificates', () => {
  it('re-checks long requests as often as docs/kubernetes-api-proxy.md says, by default', async () => {
    const docs = readFileSync(new URL('../../../../docs/kubernetes-api-proxy.md', import.meta.url), 'utf8');
    const documented = /re-check their credential every (\d+) s/.exec(docs.replace(/\s+/g, ' '))?.[1];
    expect(documented).toBeDefined();
    const proxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(async (c) => c.finish(), new Set()),
      authenticate: fakeAuthenticate,
      tls: generateSelfSignedTls(),
    });
    try {
      expect(proxy.credentialRecheckMs).toBe(Number(documented) * 1000);
    } finally {
      await proxy.stop();
    }
  });

  it('serves what its TLS source returns after a refresh (a rotated or renewed certificate)', async () => {
    const first = generateSelfSignedTls();
    const second = generateSelfSignedTls();
    let current = first;
    const proxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(async (c) => c.finish(), new Set()),
      authenticate: fakeAuthenticate,
      tls: () => current,
    });
    const served = (ca: string) => servedFingerprint(proxy.port, ca);
    try {
      expect(await served(first.caPem)).toBe(new X509Certificate(first.certPem).fingerprint256);
      current = second;
      proxy.refreshTls();
      expect(proxy.caPem).toBe(second.caPem);
      expect(await served(second.caPem)).toBe(new X509Certificate(second.certPem).fingerprint256);
    } finally {
      await proxy.stop();
    }
  });
});
