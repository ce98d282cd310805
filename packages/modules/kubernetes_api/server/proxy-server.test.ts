import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
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
import { connectHttp2, type Http2Client } from './testing/http2-client';
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

  describe('HTTP/2 on the same listener', () => {
    let h2: Http2Client;
    beforeAll(async () => {
      h2 = await connectHttp2(proxy.url, proxy.caPem);
    });
    afterAll(() => h2.close());
    const prefix = '/k8s-proxy';

    it('negotiates h2 by ALPN, and http/1.1 for clients that offer only that or nothing', async () => {
      expect(h2.session.alpnProtocol).toBe('h2');
      const alpn = (ALPNProtocols?: string[]) =>
        new Promise<string | false | null>((resolve, reject) => {
          const socket = tls.connect(
            { host: '127.0.0.1', port: proxy.port, ca: proxy.caPem ?? undefined, ALPNProtocols },
            () => {
              resolve(socket.alpnProtocol);
              socket.destroy();
            },
          );
          socket.on('error', reject);
        });
      expect(await alpn(['http/1.1'])).toBe('http/1.1');
      expect(await alpn(undefined)).toBe(false);
      const metric = await registry.getSingleMetric('mooring_kas_k8s_proxy_connections_total')!.get();
      expect(metric.values.find((v) => v.labels.protocol === 'h2')?.value).toBeGreaterThan(0);
      expect(metric.values.find((v) => v.labels.protocol === 'http/1.1')?.value).toBeGreaterThan(0);
    });

    it('forwards a GET like HTTP/1.1 does: credentials stripped, Via added, no pseudo-headers', async () => {
      const answer = await h2.request(`${prefix}/api/v1/pods?labelSelector=app%3Dweb`, {
        headers: { ...pat('agent-mode'), cookie: 'x=1', 'x-csrf-token': 'c', 'impersonate-user': 'bob' },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      const seen = api.seen.at(-1)!;
      expect(seen.url).toBe('/api/v1/pods?labelSelector=app%3Dweb');
      expect(seen.headers.authorization).toBe('Bearer agent-sa-token');
      expect(seen.headers.cookie).toBeUndefined();
      expect(seen.headers['x-csrf-token']).toBeUndefined();
      expect(seen.headers['impersonate-user']).toBe('bob');
      expect(seen.headers.via).toBe('1.1 mooring-kas, 1.1 mooring-agentk');
      expect(Object.keys(seen.headers).filter((name) => name.startsWith(':'))).toEqual([]);
    });

    it('streams a request body of unknown length (no content-length) to the API server', async () => {
      const stream = h2.session.request({
        ':method': 'POST',
        ':path': `${prefix}/api/v1/namespaces`,
        ...pat('user-mode'),
        'content-type': 'application/json',
      });
      const answer = new Promise<string>((resolve) => {
        let body = '';
        stream.on('data', (d: Buffer) => (body += d.toString()));
        stream.on('close', () => resolve(body));
      });
      stream.write('{"kind":');
      stream.end('"Namespace"}');
      expect(JSON.parse(await answer)).toMatchObject({ method: 'POST', body: '{"kind":"Namespace"}' });
      expect(api.seen.at(-1)!.headers['impersonate-user']).toBe('mooring:user:alice');
    });

    it('multiplexes: a quiet stream stays open while other requests on the connection come and go', async () => {
      const received: string[] = [];
      const stream = h2.session.request({ ':path': `${prefix}/slow-stream`, ...pat('agent-mode') });
      const ended = new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? 0)));
      stream.setEncoding('utf8');
      const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
      let othersDone = false;
      stream.on('data', (chunk: string) => {
        received.push(chunk);
        if (othersDone && received.length < 3) api.releaseStreamEvent();
      });
      stream.end();
      await first;
      // While the stream waits for its next event, the same connection serves three more requests.
      const others = await Promise.all(
        ['/version', '/api', '/forbidden'].map((path) =>
          h2.request(`${prefix}${path}`, { headers: pat('agent-mode') }),
        ),
      );
      expect(others.map((o) => o.status)).toEqual([200, 200, 403]);
      othersDone = true;
      api.releaseStreamEvent();
      expect(await ended).toBe(0);
      expect(received).toEqual(['event 0\n', 'event 1\n', 'event 2\n']);
    });

    it('carries a 20 MiB response body intact', async () => {
      const answer = await h2.request(`${prefix}/big?bytes=${20 * 1024 * 1024}`, {
        headers: pat('agent-mode'),
      });
      expect(answer.status).toBe(200);
      expect(Buffer.byteLength(answer.body)).toBe(20 * 1024 * 1024);
    });

    it('answers errors as Status objects (401, 503)', async () => {
      const unauthorized = await h2.request(`${prefix}/api`, { headers: pat('wrong') });
      expect(unauthorized.status).toBe(401);
      expect(JSON.parse(unauthorized.body)).toMatchObject({ kind: 'Status', code: 401 });
      expect(unauthorized.headers['mooring-unauthorized']).toBe('true');
      const noTunnel = await h2.request(`${prefix}/api`, { headers: pat('agent-mode', 8) });
      expect(noTunnel.status).toBe(503);
      expect(JSON.parse(noTunnel.body).message).toContain('agent 8 has no connection to any kas replica');
    });

    it('relays an upgrade on an HTTP/1.1 connection while HTTP/2 connections are open', async () => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: proxy.port,
        ca: proxy.caPem ?? undefined,
        ALPNProtocols: ['http/1.1'],
      });
      await new Promise<void>((r) => socket.once('secureConnect', () => r()));
      socket.write(
        'GET /k8s-proxy/upgrade HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pat:7:agent-mode\r\n' +
          'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\nping',
      );
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      await expect.poll(() => received, { timeout: 3000 }).toContain('PING');
      expect(received).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
      socket.destroy();
      expect(h2.session.closed).toBe(false);
    });
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

describe('a client that goes away mid-stream cancels the call to agentk', () => {
  let api: StandInApiServer;
  let proxy: KubernetesApiProxy;
  let active = 0;
  const idle: Array<() => void> = [];
  /** Resolves once agentk's handler has no request left (it saw the cancel and ended). */
  const agentIdle = () => new Promise<void>((resolve) => (active === 0 ? resolve() : idle.push(resolve)));

  beforeAll(async () => {
    api = await startStandInApiServer();
    const handler = makeRequestHandler({
      target: api.target,
      onActive: (delta) => {
        active += delta;
        if (active === 0) for (const wake of idle.splice(0)) wake();
      },
    });
    proxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(handler, new Set([7])),
      authenticate: fakeAuthenticate,
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await api.close();
  });

  const opened = async (open: () => Promise<() => void>) => {
    const goAway = await open();
    expect(active).toBe(1);
    goAway();
    await agentIdle();
    expect(active).toBe(0);
  };

  it('over HTTP/1.1 (the connection closes)', () =>
    opened(
      () =>
        new Promise((resolve, reject) => {
          const req = https.get(
            `${proxy.url}/slow-stream`,
            { headers: pat('agent-mode'), ca: proxy.caPem ?? undefined },
            (res) => res.once('data', () => resolve(() => req.destroy())),
          );
          req.on('error', () => undefined);
          req.once('error', reject);
        }),
    ));

  for (const how of ['the stream is reset', 'the connection closes'] as const)
    it(`over HTTP/2 (${how})`, () =>
      opened(async () => {
        const h2 = await connectHttp2(proxy.url, proxy.caPem);
        const stream = h2.session.request({ ':path': '/k8s-proxy/slow-stream', ...pat('agent-mode') });
        stream.on('error', () => undefined);
        await new Promise((resolve) => stream.once('data', resolve));
        return () =>
          how === 'the stream is reset' ? stream.close(http2.constants.NGHTTP2_CANCEL) : h2.session.destroy();
      }));
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
      await proxy.refreshTls();
      expect(proxy.caPem).toBe(second.caPem);
      expect(await served(second.caPem)).toBe(new X509Certificate(second.certPem).fingerprint256);
      // The renewed context keeps offering HTTP/2.
      const h2 = await connectHttp2(proxy.url, second.caPem);
      expect(h2.session.alpnProtocol).toBe('h2');
      await h2.close();
    } finally {
      await proxy.stop();
    }
  });
});
