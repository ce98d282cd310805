// The proxy's answers to hostile input: a malicious agent's response, Connection-named headers, the CSRF token in
// the URL, cross-site upgrades and a credential over its rate budget.
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRequestHandler } from '../agent/make-request-handler';
import { encodeResponseHeader, encodeResponseTrailer } from '../shared/http-frames';
import type { AuthorizedCaller } from '../shared/impersonation';
import { testCaller } from '../shared/testing/authorized-caller';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { startStandInApiServer, type StandInApiServer } from '../shared/testing/stand-in-api-server';
import type { TunnelHandler } from '../../reverse_tunnel/shared/tunnel-api';
import { ProxyAuthError, type ProxyCredential } from './credentials';
import { startKubernetesApiProxy, type KubernetesApiProxy } from './proxy-server';
import { windowRateLimiter } from './rate-limit';

// FAKE authenticator: PAT "ok" and the session cookie "mooring_session=s1" are valid for any agent.
async function fakeAuthenticate(c: ProxyCredential): Promise<AuthorizedCaller> {
  const valid =
    c.kind === 'pat' ? c.token === 'ok' : c.kind === 'session' && c.cookieHeader === 'mooring_session=s1';
  if (!valid) throw new ProxyAuthError('unknown credential');
  return testCaller({ agentId: c.agentId });
}

function call(proxy: KubernetesApiProxy, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      https
        .get(`${proxy.url}${path}`, { headers, ca: proxy.caPem ?? undefined, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .on('error', reject);
    },
  );
}

/** Sends a raw upgrade request to /k8s-proxy/upgrade; resolves with the status line kas answered. */
function upgrade(proxy: KubernetesApiProxy, headers: string): Promise<string> {
  return upgradeAt(proxy, '/k8s-proxy/upgrade', headers);
}

const pat = { authorization: 'Bearer pat:7:ok' };

describe('proxy hardening', () => {
  let api: StandInApiServer;
  let proxy: KubernetesApiProxy;
  let consoleProxy: KubernetesApiProxy;
  let limited: KubernetesApiProxy;
  let malicious: KubernetesApiProxy;

  beforeAll(async () => {
    api = await startStandInApiServer();
    const dialer = directDialerForTests(makeRequestHandler({ target: api.target }), new Set([7]));
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: fakeAuthenticate });
    consoleProxy = await startKubernetesApiProxy({
      port: 0,
      dialer,
      authenticate: fakeAuthenticate,
      consoleUrl: 'https://console.example.com',
    });
    limited = await startKubernetesApiProxy({
      port: 0,
      dialer,
      authenticate: fakeAuthenticate,
      rateLimiter: windowRateLimiter({ limit: 3, now: () => 0 }),
    });
    // A malicious agent: answers with a header Node refuses to write.
    const evil: TunnelHandler = async (incoming) => {
      for await (const _ of incoming.messages) break;
      incoming.sendHeader({});
      await incoming.sendMessage(
        encodeResponseHeader({
          statusCode: 200,
          status: 'OK',
          header: { 'x-evil': { value: ['a\r\nSet-Cookie: pwned=1'] } },
        }),
      );
      await incoming.sendMessage(encodeResponseTrailer());
      incoming.finish();
    };
    malicious = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(evil, new Set([7])),
      authenticate: fakeAuthenticate,
    });
  });
  afterAll(async () => {
    await Promise.all([proxy, consoleProxy, limited, malicious].map((p) => p?.stop()));
    await api?.close();
  });

  it("answers a malicious agent's invalid response header with 502 at once, naming the header", async () => {
    const answer = await call(malicious, '/api', pat);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).message).toContain(
      'its response header "x-evil" has an invalid name or value',
    );
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('drops request headers named in Connection', async () => {
    const answer = await call(proxy, '/api', {
      ...pat,
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'v',
    });
    expect(answer.status).toBe(200);
    expect(api.seen.at(-1)!.headers['x-secret-hop']).toBeUndefined();
  });

  it('accepts the CSRF token in the URL only on upgrades', async () => {
    const plain = await call(proxy, '/version?mooring-agent-id=7&mooring-csrf-token=t', {
      cookie: 'mooring_session=s1',
    });
    expect(plain.status).toBe(401);
    expect(JSON.parse(plain.body).message).toContain('accepted only on WebSocket upgrades');
    const byHeader = await call(proxy, '/version', {
      cookie: 'mooring_session=s1',
      'mooring-agent-id': '7',
      'x-csrf-token': 't',
    });
    expect(byHeader.status).toBe(200);
    const wsQuery = await upgradeAt(
      proxy,
      '/k8s-proxy/upgrade?mooring-agent-id=7&mooring-csrf-token=t',
      `Cookie: mooring_session=s1\r\nOrigin: https://localhost:${proxy.port}\r\n`,
    );
    expect(wsQuery).toMatch(/^HTTP\/1.1 101/);
  });

  it("refuses upgrades from another site's origin, and from pages not the console's when it is set", async () => {
    expect(
      await upgrade(proxy, `Authorization: Bearer pat:7:ok\r\nOrigin: https://evil.example\r\n`),
    ).toMatch(/^HTTP\/1.1 403/);
    expect(
      await upgrade(proxy, `Authorization: Bearer pat:7:ok\r\nOrigin: https://localhost:${proxy.port}\r\n`),
    ).toMatch(/^HTTP\/1.1 101/);
    expect(
      await upgrade(
        consoleProxy,
        `Authorization: Bearer pat:7:ok\r\nOrigin: https://localhost:${consoleProxy.port}\r\n`,
      ),
    ).toMatch(/^HTTP\/1.1 403/);
    expect(
      await upgrade(
        consoleProxy,
        `Authorization: Bearer pat:7:ok\r\nOrigin: https://console.example.com\r\n`,
      ),
    ).toMatch(/^HTTP\/1.1 101/);
    // A session-authenticated upgrade without any Origin is not a console page.
    const noOrigin = await upgradeAt(
      proxy,
      '/k8s-proxy/upgrade?mooring-agent-id=7&mooring-csrf-token=t',
      'Cookie: mooring_session=s1\r\n',
    );
    expect(noOrigin).toMatch(/^HTTP\/1.1 401/);
  });

  it('answers 429 with Retry-After once a credential is over its budget', async () => {
    for (let i = 0; i < 3; i++) expect((await call(limited, '/api', pat)).status).toBe(200);
    const refused = await call(limited, '/api', pat);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(JSON.parse(refused.body).message).toContain('MOORING_TOKEN_RATE_LIMIT_PER_MINUTE');
  });
});

function upgradeAt(proxy: KubernetesApiProxy, path: string, headers: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: proxy.port,
      ca: proxy.caPem ?? undefined,
      servername: 'localhost',
    });
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('\r\n')) {
        resolve(received);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.once('secureConnect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: localhost:${proxy.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`,
      ),
    );
  });
}
