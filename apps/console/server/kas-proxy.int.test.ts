// The console's route to kas must pass event streams through as they are written, not when they end.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { proxyToKas } from './kas-proxy';

describe('proxyToKas', () => {
  let upstream: http.Server;
  let release: () => void = () => undefined;
  const seen: { cookie?: string; csrf?: string; body?: string } = {};

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      if (req.url?.startsWith('/trpc/live.onAgents')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('id: 1\ndata: {"first":true}\n\n');
        // The rest only when the test says so: a buffering proxy would never show the first frame.
        release = () => res.end('id: 2\ndata: {"last":true}\n\n');
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.cookie = req.headers.cookie;
        seen.csrf = req.headers['x-csrf-token'] as string | undefined;
        seen.body = body;
        res.writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/'],
        });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    process.env.MOORING_KAS_URL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    release();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('streams an event stream frame by frame with no-transform caching headers', async () => {
    const response = await proxyToKas(
      new Request('http://console.test/api/trpc/live.onAgents?input=%7B%7D'),
      '/trpc/live.onAgents',
    );
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('{"first":true}');
    release();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('{"last":true}');
  });

  it('forwards cookies, the CSRF header and the body, and returns every Set-Cookie', async () => {
    const response = await proxyToKas(
      new Request('http://console.test/api/trpc/agents.register?batch=1', {
        method: 'POST',
        headers: { cookie: 'mooring_session=abc', 'x-csrf-token': 'tok', 'content-type': 'application/json' },
        body: '{"0":{"projectId":1,"name":"a"}}',
      }),
      '/trpc/agents.register',
    );
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual({
      cookie: 'mooring_session=abc',
      csrf: 'tok',
      body: '{"0":{"projectId":1,"name":"a"}}',
    });
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
  });

  it('answers 502 naming kas’s address when kas is down, one error per batched call', async () => {
    const saved = process.env.MOORING_KAS_URL;
    process.env.MOORING_KAS_URL = 'http://127.0.0.1:1';
    try {
      const response = await proxyToKas(
        new Request('http://console.test/api/trpc/a.b,c.d?batch=1'),
        '/trpc/a.b,c.d',
      );
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: { message: string } }[];
      expect(body).toHaveLength(2);
      expect(body[0]!.error.message).toContain('cannot reach kas at http://127.0.0.1:1');
    } finally {
      process.env.MOORING_KAS_URL = saved;
    }
  });
});
