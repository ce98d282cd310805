import { describe, expect, it } from 'vitest';
import { RestClient } from '../testing/api-client';
import { useTestKas } from '../testing/test-kas';

describe('observability listener', () => {
  const kas = useTestKas('pglite');

  it('answers /livez and /readyz while the database is up', async () => {
    const live = await fetch(`${kas().observabilityUrl}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${kas().observabilityUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('[+] database ok');
  });

  it('counts API requests by route template and status code in /metrics', async () => {
    const client = new RestClient(kas().apiUrl);
    await client.get('/api/v1/version');
    await client.get('/api/v1/agents/12345'); // 401: not logged in
    const metrics = await (await fetch(`${kas().observabilityUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /mooring_http_requests_total\{listener="api",method="GET",route="\/api\/v1\/version",code="200"\} \d+/,
    );
    expect(metrics).toMatch(
      /mooring_http_requests_total\{listener="api",method="GET",route="\/api\/v1\/agents\/:agentId",code="401"\} \d+/,
    );
    expect(metrics).toContain('mooring_http_request_duration_seconds_bucket');
    expect(metrics).toContain('process_resident_memory_bytes');
    expect(metrics).not.toContain('12345');
  });

  it('never logs credentials', async () => {
    const client = new RestClient(kas().apiUrl);
    await client.login(kas().adminUsername, kas().adminPassword);
    const pat = await client.post<{ secret: string }>('/api/v1/personal_access_tokens', {
      name: 'log check',
      scopes: ['api'],
    });
    await client.withBearer(pat.body.secret).get('/api/v1/projects');
    await client.login(kas().adminUsername, 'a-wrong-password-to-log');
    const sessionId = client.cookie!.split('=')[1]!;
    const logs = kas().logLines.join('\n');
    expect(kas().logLines.length).toBeGreaterThan(5);
    for (const secret of [
      kas().adminPassword,
      'a-wrong-password-to-log',
      pat.body.secret,
      sessionId,
      client.csrfToken!,
    ]) {
      expect(logs).not.toContain(secret);
    }
    // Every line is JSON with a module, and request lines carry a trace id.
    const parsed = kas().logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.every((l) => typeof l.module === 'string')).toBe(true);
    expect(parsed.some((l) => typeof l.trace_id === 'string' && l.msg === 'request')).toBe(true);
  });

  it('turns /readyz to 503 when the database stops answering', async () => {
    await kas().kas.db.close();
    const ready = await fetch(`${kas().observabilityUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/\[-\] database failed: /);
    expect((await fetch(`${kas().observabilityUrl}/livez`)).status).toBe(200);
  });
});
