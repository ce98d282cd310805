// The proxy's answers to hostile input: a malicious agent's response, Connection-named headers, the CSRF token in
// the URL, cross-site upgrades, a credential over its rate budget, and HTTP/2 clients that idle, trickle, open too
// many streams or send oversized headers.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRequestHandler } from '../agent/make-request-handler';
import {
  decodeRequest,
  encodeResponseHeader,
  encodeResponseTrailer,
  type ValuesMap,
} from '../shared/http-frames';
import type { AuthorizedCaller } from '../shared/impersonation';
import { testCaller } from '../shared/testing/authorized-caller';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { startStandInApiServer, type StandInApiServer } from '../shared/testing/stand-in-api-server';
import type { TunnelHandler } from '../../reverse_tunnel/shared/tunnel-api';
import { ProxyAuthError, type ProxyCredential } from './credentials';
import { startKubernetesApiProxy, type KubernetesApiProxy } from './proxy-server';
import { windowRateLimiter } from './rate-limit';
import { connectHttp2 } from './testing/http2-client';

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
  let hopByHop: KubernetesApiProxy;

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
    // An agent answering with connection-specific headers (what an HTTP/1.1 API server or a broken agent may send),
    // or with a header HTTP/2 allows once given twice (path /twice).
    const hops: TunnelHandler = async (incoming) => {
      let path = '';
      for await (const bytes of incoming.messages) {
        const m = decodeRequest(bytes);
        if (m.$case === 'header') path = m.value.request?.urlPath ?? '';
        break;
      }
      incoming.sendHeader({});
      const header: ValuesMap =
        path === '/twice'
          ? { 'content-type': { value: ['application/json', 'text/html'] } }
          : {
              connection: { value: ['keep-alive, x-hop'] },
              'keep-alive': { value: ['timeout=5'] },
              'transfer-encoding': { value: ['chunked'] },
              upgrade: { value: ['h2c'] },
              'proxy-connection': { value: ['keep-alive'] },
              'x-hop': { value: ['named in Connection'] },
              'x-kept': { value: ['end to end'] },
            };
      await incoming.sendMessage(encodeResponseHeader({ statusCode: 200, status: 'OK', header }));
      await incoming.sendMessage(encodeResponseTrailer());
      incoming.finish();
    };
    hopByHop = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(hops, new Set([7])),
      authenticate: fakeAuthenticate,
    });
  });
  afterAll(async () => {
    await Promise.all([proxy, consoleProxy, limited, malicious, hopByHop].map((p) => p?.stop()));
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

  it("answers the malicious agent's header with 502 over HTTP/2 too", async () => {
    const h2 = await connectHttp2(malicious.url, malicious.caPem);
    try {
      const answer = await h2.request('/k8s-proxy/api', { headers: pat });
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.body).message).toContain('its response header "x-evil"');
    } finally {
      await h2.close();
    }
  });

  it('never relays connection-specific response headers, on either protocol', async () => {
    const h2 = await connectHttp2(hopByHop.url, hopByHop.caPem);
    try {
      const over2 = await h2.request('/k8s-proxy/api', { headers: pat });
      expect(over2.status).toBe(200);
      expect(over2.headers['x-kept']).toBe('end to end');
      for (const name of [
        'connection',
        'keep-alive',
        'transfer-encoding',
        'upgrade',
        'proxy-connection',
        'x-hop',
      ])
        expect(over2.headers[name], name).toBeUndefined();
    } finally {
      await h2.close();
    }
    const over1 = await call(hopByHop, '/api', pat);
    expect(over1.status).toBe(200);
    expect(over1.headers['x-kept']).toBe('end to end');
    for (const name of ['keep-alive', 'upgrade', 'proxy-connection', 'x-hop'])
      expect(over1.headers[name], name).toBeUndefined();
    // Node's own HTTP/1.1 framing, not the agent's.
    expect(over1.headers['connection']).not.toContain('x-hop');
  });

  it('answers 502 when the agent repeats a header HTTP/2 allows once, on either protocol', async () => {
    const h2 = await connectHttp2(hopByHop.url, hopByHop.caPem);
    try {
      const over2 = await h2.request('/k8s-proxy/twice', { headers: pat });
      expect(over2.status).toBe(502);
      expect(JSON.parse(over2.body).message).toContain(
        'its response header "content-type" has several values where one is allowed',
      );
    } finally {
      await h2.close();
    }
    expect((await call(hopByHop, '/twice', pat)).status).toBe(502);
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

describe('connection limits on both protocols (small limits; the test waits on events)', () => {
  const timeouts = { headersMs: 200, rejectedBodyMs: 300, keepAliveMs: 200, firstCallMs: 200 };
  let api: StandInApiServer;
  let proxy: KubernetesApiProxy;
  let revoked = false;

  beforeAll(async () => {
    api = await startStandInApiServer();
    proxy = await startKubernetesApiProxy({
      port: 0,
      dialer: directDialerForTests(makeRequestHandler({ target: api.target }), new Set([7])),
      authenticate: async (c) => {
        if (revoked) throw new ProxyAuthError('revoked');
        return fakeAuthenticate(c);
      },
      timeouts,
      maxConcurrentStreams: 2,
      credentialRecheckMs: 20,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await api?.close();
  });

  const closed = (session: http2.ClientHttp2Session) =>
    new Promise<void>((resolve) => (session.closed ? resolve() : session.once('close', () => resolve())));
  /** Opens /k8s-proxy/slow-stream; `events` resolves with what arrived once the stream closed, and its reset code. */
  function slowStream(session: http2.ClientHttp2Session) {
    const stream = session.request({ ':path': '/k8s-proxy/slow-stream', ...pat });
    stream.setEncoding('utf8');
    const received: string[] = [];
    const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.on('data', (chunk: string) => received.push(chunk));
    stream.on('error', () => undefined);
    stream.end();
    const events = new Promise<{ received: string[]; rstCode: number }>((resolve) =>
      stream.on('close', () => resolve({ received, rstCode: stream.rstCode ?? 0 })),
    );
    return { first, events };
  }

  /** An HTTP/1.1 connection (ALPN http/1.1) that writes `text`; resolves with what it received once the server closed it. */
  function http1UntilClosed(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: proxy.port, ca: proxy.caPem ?? undefined, ALPNProtocols: ['http/1.1'] },
        () => socket.write(text),
      );
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      socket.on('close', () => resolve(received));
    });
  }

  // Node's HTTP/2 server ignores http's timeout options for its HTTP/1.1 connections: these hold only because the
  // proxy sets them (boundHttp2Server).
  it('HTTP/1.1 beside HTTP/2: closes a silent connection (408), a trickled header, an idle keep-alive', async () => {
    expect(await http1UntilClosed('')).toMatch(/^HTTP\/1.1 408/);
    expect(await http1UntilClosed('GET /k8s-proxy/version HTTP/1.1\r\nHost: x\r\n')).toMatch(
      /^HTTP\/1.1 408/,
    );
    const answered = await http1UntilClosed(
      'GET /k8s-proxy/version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pat:7:ok\r\n\r\n',
    );
    expect(answered).toMatch(/^HTTP\/1.1 200/);
    expect(answered).toMatch(/keep-alive/i);
    expect(await http1UntilClosed('GET /k8s-proxy/version HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
  });

  it('closes a TCP connection that never starts its TLS handshake (first-call limit)', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
  });

  it('closes a connection that opens no stream within the first-call limit', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    await closed(h2.session);
    expect(h2.session.closed).toBe(true);
  });

  it('keeps a connection with a quiet open stream; closes it once it has had no stream for the keep-alive limit', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    const slow = slowStream(h2.session);
    await slow.first;
    // Quiet for several keep-alive limits: the connection stays, and takes new streams.
    await new Promise((r) => setTimeout(r, 3 * timeouts.keepAliveMs));
    expect((await h2.request('/k8s-proxy/version', { headers: pat })).status).toBe(200);
    api.releaseStreamEvent();
    api.releaseStreamEvent();
    expect(await slow.events).toEqual({ received: ['event 0\n', 'event 1\nevent 2\n'], rstCode: 0 });
    // No stream open any more: the server ends the connection by itself.
    await closed(h2.session);
  });

  it('announces its concurrent stream limit; a client over it waits for a free stream', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    try {
      expect(h2.session.remoteSettings.maxConcurrentStreams).toBe(2);
      const order: string[] = [];
      const a = slowStream(h2.session);
      const b = slowStream(h2.session);
      await Promise.all([a.first, b.first]);
      const third = h2.request('/k8s-proxy/version', { headers: pat }).then((answer) => {
        order.push('third');
        return answer;
      });
      // Both slots are taken by quiet streams: the third request is not sent until one of them ends. (The stand-in
      // releases waiting streams in turn: a, b, then a's last event.)
      for (let i = 0; i < 3; i++) api.releaseStreamEvent();
      await a.events;
      order.push('first ended');
      expect((await third).status).toBe(200);
      expect(order).toEqual(['first ended', 'third']);
      api.releaseStreamEvent();
      await b.events;
    } finally {
      await h2.close();
    }
  });

  // Node resets such a stream (NO_ERROR) as soon as the answer is written when nothing read the body, as here;
  // the rejected-body limit resets it when the body was being read (listener-timeouts.ts).
  it('resets a refused request whose body keeps trickling, and keeps the connection', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    try {
      const stream = h2.session.request({
        ':method': 'POST',
        ':path': '/k8s-proxy/api/v1/namespaces',
        authorization: 'Bearer pat:7:nope',
        'content-type': 'application/json',
      });
      stream.on('error', () => undefined);
      stream.resume();
      const status = new Promise<number>((resolve) =>
        stream.once('response', (h) => resolve(Number(h[':status']))),
      );
      const ended = new Promise<number>((resolve) =>
        stream.once('close', () => resolve(stream.rstCode ?? 0)),
      );
      // One byte per 50 ms, never ending: only the rejected-body limit stops it.
      const trickle = setInterval(() => stream.write('x'), 50);
      try {
        expect(await status).toBe(401);
        expect(await ended).toBe(http2.constants.NGHTTP2_NO_ERROR);
      } finally {
        clearInterval(trickle);
      }
      expect((await h2.request('/k8s-proxy/version', { headers: pat })).status).toBe(200);
    } finally {
      await h2.close();
    }
  });

  it('resets a stream whose headers exceed the limit, and keeps the connection', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    try {
      // Over the server's limit (which it announces), under the client's own refusal (64 KiB).
      expect(h2.session.remoteSettings.maxHeaderListSize).toBe(http.maxHeaderSize + 64 * 32);
      const huge = await h2.request('/k8s-proxy/version', {
        headers: { ...pat, 'x-big': 'a'.repeat(30_000) },
      });
      expect(huge.status).toBe(0);
      expect(huge.rstCode).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      expect((await h2.request('/k8s-proxy/version', { headers: pat })).status).toBe(200);
    } finally {
      await h2.close();
    }
  });

  it('ends a stream whose credential is revoked with CANCEL (a broken answer, not a complete one)', async () => {
    const h2 = await connectHttp2(proxy.url, proxy.caPem);
    try {
      const slow = slowStream(h2.session);
      await slow.first;
      revoked = true;
      const { received, rstCode } = await slow.events;
      expect(received).toEqual(['event 0\n']);
      expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      revoked = false;
      expect((await h2.request('/k8s-proxy/version', { headers: pat })).status).toBe(200);
    } finally {
      revoked = false;
      await h2.close();
    }
    // The stand-in API server's stream was left waiting for events: release it.
    api.releaseStreamEvent();
    api.releaseStreamEvent();
  });
});
