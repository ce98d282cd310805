// Security findings on the console API listener, each against a real kas: closed metric labels, the login throttle
// (parallel logins, batches, spoofed client addresses), batch caps, login CSRF, percent-encoding, Secure cookies.
import { describe, expect, it } from 'vitest';
import { RestClient } from '../testing/api-client';
import { useTestKas, type TestKas } from '../testing/test-kas';

async function parallelLogins(kas: TestKas, count: number, headers: (i: number) => Record<string, string>) {
  const client = new RestClient(kas.apiUrl);
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.request(
        'POST',
        '/api/v1/session',
        { username: 'admin', password: 'wrong-password' },
        { headers: headers(i) },
      ),
    ),
  );
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

describe('console API hardening (trusting loopback as the console)', () => {
  const kas = useTestKas('pglite', { env: { MOORING_CONSOLE_URL: 'https://console.example.com' } });

  it('labels metrics from closed sets: 1,000 random paths add nothing to /metrics', async () => {
    const before = (await (await fetch(`${kas().observabilityUrl}/metrics`)).text()).length;
    const marker = `zq${Math.random().toString(36).slice(2, 8)}`;
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          const path = n % 2 ? `/trpc/${marker}${n}` : `/api/v1/${marker}${n}`;
          return fetch(`${kas().apiUrl}${path}`, { method: n % 3 ? 'GET' : `M${n}` }).then((r) =>
            r.arrayBuffer(),
          );
        }),
      );
    }
    await fetch(`${kas().observabilityUrl}/${marker}`).then((r) => r.arrayBuffer());
    const metrics = await (await fetch(`${kas().observabilityUrl}/metrics`)).text();
    console.log(`/metrics ${before} bytes before, ${metrics.length} bytes after 1,000 random paths`);
    expect(metrics).not.toContain(marker);
    expect(metrics).toMatch(
      /mooring_http_requests_total\{listener="api",method="GET",route="other",code="404"\}/,
    );
    expect(metrics.length - before).toBeLessThan(20_000);
  });

  it('checks and charges the throttle before hashing: 50 parallel logins get 5 password checks', async () => {
    const counts = await parallelLogins(kas(), 50, () => ({ 'x-mooring-client-address': '198.51.100.7' }));
    expect(counts).toEqual({ 401: 5, 429: 45 });
  });

  it('keys the throttle on (username, client address) and audits the real client', async () => {
    // 198.51.100.7 is locked out above; the same user from another browser still logs in.
    const client = new RestClient(kas().apiUrl);
    const ok = await client.request(
      'POST',
      '/api/v1/session',
      { username: kas().adminUsername, password: kas().adminPassword },
      { headers: { 'x-mooring-client-address': '203.0.113.9' } },
    );
    expect(ok.status).toBe(200);
    client.csrfToken = (ok.body as { csrfToken: string }).csrfToken;
    const audit = await client.get<{ action: string; address: string | null }[]>(
      '/api/v1/audit?action=session.login&limit=1',
    );
    expect(audit.body[0]).toMatchObject({ action: 'session.login', address: '203.0.113.9' });
  });

  it('secures the session cookie when MOORING_CONSOLE_URL is https', async () => {
    const res = await new RestClient(kas().apiUrl).request(
      'POST',
      '/api/v1/session',
      { username: kas().adminUsername, password: kas().adminPassword },
      { headers: { 'x-mooring-client-address': '203.0.113.10' } },
    );
    expect(res.headers.getSetCookie()[0]).toMatch(/; Secure(;|$)/);
  });

  it('caps tRPC batches at 20 calls and never batches logins', async () => {
    const calls = (n: number) => Array.from({ length: n }, () => 'meta.version').join(',');
    const twenty = await fetch(`${kas().apiUrl}/trpc/${calls(20)}?batch=1&input={}`);
    expect(twenty.status).toBe(200);
    const long = await fetch(`${kas().apiUrl}/trpc/${calls(1000)}?batch=1&input={}`);
    expect(long.status).toBe(400);
    expect(((await long.json()) as { message: string }).message).toContain(
      'at most 20 calls, this one has 1000',
    );
    const logins = Array.from({ length: 2 }, () => 'session.login').join(',');
    const input = JSON.stringify({
      0: { username: 'admin', password: 'x' },
      1: { username: 'admin', password: 'y' },
    });
    const batched = await fetch(`${kas().apiUrl}/trpc/${logins}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: input,
    });
    expect(batched.status).toBe(400);
    expect(((await batched.json()) as { message: string }).message).toContain(
      'session.login cannot be batched',
    );
  });

  it('refuses bodies not sent as JSON (login CSRF from a cross-site form)', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await fetch(`${kas().apiUrl}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify({ username: kas().adminUsername, password: kas().adminPassword }),
      });
      expect(res.status).toBe(415);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const trpc = await fetch(`${kas().apiUrl}/trpc/session.login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ username: kas().adminUsername, password: kas().adminPassword }),
    });
    expect(trpc.status).toBe(415);
  });

  it('answers malformed percent-encoding with 400 naming the problem', async () => {
    for (const path of ['/api/v1/agents/%zz', '/api/v1/projects/%E0%A4%A', '/trpc/agents.get%ff']) {
      const res = await fetch(`${kas().apiUrl}${path}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain('not valid percent-encoding');
    }
  });
});

describe('console API hardening (the console runs elsewhere)', () => {
  const kas = useTestKas('pglite', { env: { MOORING_CONSOLE_ADDRESSES: '192.0.2.200' } });

  it('ignores X-Mooring-Client-Address from an address that is not a console', async () => {
    // Each request claims another client; kas sees they all come from 127.0.0.1 and throttles them as one.
    const counts = await parallelLogins(kas(), 30, (i) => ({
      'x-mooring-client-address': `198.51.100.${i + 1}`,
    }));
    expect(counts).toEqual({ 401: 5, 429: 25 });
  });
});
