// Hostile and malformed input against a real kas: every answer must be a clear JSON error, nothing
// may be half-written, and the process must stay healthy. The table of answers is printed for the
// record (docs and reports quote it).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient, type ApiResponse } from '../testing/api-client';
import { startTestKas, testBackends, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from '../testing/world';

interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}

/** Sends a body in chunks without Content-Length (chunked), as a streaming client would. */
function postChunked(
  url: string,
  headers: Record<string, string>,
  totalBytes: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe.each(testBackends)('bad input against a real kas [%s]', (backend) => {
  let kas: TestKas;
  let w: HttpWorld;
  const observed: { case: string; status: number; answer: string }[] = [];
  const record = (name: string, res: { status: number; text?: string; body?: unknown }) => {
    const answer = res.text ?? JSON.stringify(res.body);
    observed.push({
      case: name,
      status: res.status,
      answer: answer.length > 220 ? `${answer.slice(0, 220)}…` : answer,
    });
  };
  const groupCount = async () => (await w.admin.get<unknown[]>('/api/v1/groups')).body.length;

  beforeAll(async () => {
    kas = await startTestKas(backend);
    w = await buildHttpWorld(kas);
  }, 180_000);

  afterAll(async () => {
    console.log(
      `bad-input answers [${backend}]:\n${observed.map((o) => `  ${o.case}: ${o.status} ${o.answer}`).join('\n')}`,
    );
    await kas?.dispose();
  });

  it('answers malformed JSON with 400 bad_request and writes nothing', async () => {
    const before = await groupCount();
    const res = await w.admin.request<ErrorBody>('POST', '/api/v1/groups', undefined, {
      rawBody: '{"name": "x", "path":',
    });
    record('malformed JSON', res);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('bad_request');
    expect(res.body.message).toMatch(/^request body is not valid JSON: /);
    const array = await w.admin.request<ErrorBody>('POST', '/api/v1/groups', undefined, { rawBody: '[1,2]' });
    record('JSON array body', array);
    expect(array.status).toBe(400);
    expect(array.body.message).toBe('request body must be a JSON object');
    expect(await groupCount()).toBe(before);
  });

  it('refuses bodies over 1 MiB with 413 (declared or streamed) and keeps serving', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    const declared = await w.admin.request<ErrorBody>('POST', '/api/v1/groups', undefined, { rawBody: big });
    record('2 MiB body with Content-Length', declared);
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe('payload_too_large');

    const streamed = await postChunked(
      `${kas.apiUrl}/api/v1/groups`,
      { cookie: w.admin.cookie!, 'x-csrf-token': w.admin.csrfToken! },
      8 * 1024 * 1024,
    );
    record('8 MiB chunked body (no Content-Length)', streamed);
    expect(streamed.status).toBe(413);

    const trpc = await w.admin.request<{ error: { data: ErrorBody } }>(
      'POST',
      '/trpc/groups.create',
      undefined,
      { rawBody: big },
    );
    record('2 MiB tRPC body', trpc);
    expect(trpc.status).toBe(413);
    expect((await w.admin.get('/api/v1/version')).status).toBe(200);
  });

  it('names the field for wrong types, unknown fields and bad path parameters', async () => {
    const before = await groupCount();
    const wrongTypes = await w.admin.post<ErrorBody>('/api/v1/projects', {
      groupId: 'abc',
      name: 5,
      path: true,
    });
    record('wrong types', wrongTypes);
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body).toMatchObject({ code: 'invalid_input', field: 'groupId' });
    expect(wrongTypes.body.message).toMatch(
      /groupId: .*expected number.*name: .*expected string.*path: .*expected string/,
    );

    const unknown = await w.admin.post<ErrorBody>('/api/v1/groups', {
      name: 'x',
      path: uniqueName('u'),
      isAdmin: true,
    });
    record('unknown field', unknown);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 'invalid_input',
      field: 'isAdmin',
      message: 'unknown field "isAdmin"; remove it',
    });

    const missing = await w.admin.post<ErrorBody>('/api/v1/groups', { name: 'x' });
    record('missing field', missing);
    expect(missing.body).toMatchObject({
      code: 'invalid_input',
      field: 'path',
      message: 'path: is required (expected string)',
    });

    const badId = await w.admin.get<ErrorBody>('/api/v1/agents/abc');
    record('non-numeric path id', badId);
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({ field: 'agentId' });

    const hugeId = await w.admin.get<ErrorBody>('/api/v1/agents/99999999999');
    record('out-of-range id', hugeId);
    expect(hugeId.status).toBe(400);
    expect(hugeId.body.message).toMatch(/agentId: must be at most 2147483647/);

    const absent = await w.admin.get<ErrorBody>('/api/v1/agents/2147483647');
    record('absent id', absent);
    expect(absent.status).toBe(404);

    const wrongMethod = await w.admin.request<ErrorBody>('PATCH', '/api/v1/version', {});
    record('wrong method', wrongMethod);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    const head = await w.admin.request('HEAD', '/api/v1/version');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(await groupCount()).toBe(before);
  });

  it('stores SQL-ish and unicode display names verbatim and refuses them where names must be slugs', async () => {
    const sqlish = `Robert'); DROP TABLE users;-- `;
    const unicode = '平台 🚢 Ünïcødé';
    for (const name of [sqlish.trim(), unicode, 'ℌ𝔢𝔩𝔩𝔬 \u202e RTL']) {
      const res = await w.admin.post<{ name: string }>('/api/v1/groups', { name, path: uniqueName('n') });
      record(`group name ${JSON.stringify(name)}`, res);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(name);
    }
    expect((await w.admin.get('/api/v1/users')).status).toBe(200); // the users table is still there

    const before = await groupCount();
    for (const path of ["a'; drop table groups;--", 'плат', '../etc', 'a/b']) {
      const res = await w.admin.post<ErrorBody>('/api/v1/groups', { name: 'x', path });
      record(`group path ${JSON.stringify(path)}`, res);
      expect(res.status).toBe(400);
      expect(res.body.field).toBe('path');
    }
    const control = await w.admin.post<ErrorBody>('/api/v1/groups', {
      name: 'a\u0000b',
      path: uniqueName('c'),
    });
    record('name with NUL', control);
    expect(control.status).toBe(400);
    expect(control.body.field).toBe('name');
    const agent = await w.admin.post<ErrorBody>(`/api/v1/projects/${w.projectId}/agents`, {
      name: 'клúster',
    });
    record('unicode agent name', agent);
    expect(agent.status).toBe(400);
    expect(agent.body.message).toMatch(/DNS label/);
    expect(await groupCount()).toBe(before);
  });

  it('rejects a 129 KiB configuration without storing it', async () => {
    const history = async () =>
      (await w.admin.get<unknown[]>(`/api/v1/agents/${w.agentId}/configs?limit=500`)).body.length;
    const before = await history();
    const line = '# padding padding padding padding padding padding padding padding padding padding\n';
    const yaml = `observability:\n  logging:\n    level: info\n${line.repeat(Math.ceil((129 * 1024) / line.length))}`;
    const res = await w.admin.post<ErrorBody & { errors: unknown[] }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml,
    });
    record('129 KiB config', res);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_config');
    expect(res.body.message).toMatch(/128 KiB|131072/);
    expect(await history()).toBe(before);

    const huge = await w.admin.post<ErrorBody>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: yaml.repeat(3),
    });
    record('390 KiB config', huge);
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ code: 'invalid_input', field: 'yaml' });
    expect(await history()).toBe(before);
  });

  it('survives 10,000 login attempts: 429 with Retry-After after 5 failures, healthy and steady', async () => {
    const username = uniqueName('victim');
    await w.admin.post('/api/v1/users', { username, password: 'victim-password-1' });
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const attempt = async (): Promise<ApiResponse<ErrorBody>> =>
      new RestClient(kas.apiUrl).request<ErrorBody>('POST', '/api/v1/session', {
        username,
        password: 'wrong-guess',
      });
    let remaining = 10_000;
    const worker = async () => {
      while (remaining > 0) {
        remaining--;
        const res = await attempt();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const seconds = (Date.now() - started) / 1000;
    const rssAfter = process.memoryUsage().rss;
    const summary = `${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')} in ${seconds.toFixed(1)} s; Retry-After ${retryAfter}; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`;
    observed.push({ case: '10,000 login attempts', status: 429, answer: summary });

    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    expect(statuses.get(401)).toBeLessThanOrEqual(5 + 16); // 5, plus attempts already in flight when the lock fell
    expect(statuses.get(429)).toBeGreaterThanOrEqual(10_000 - 21);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The right password is refused too while locked (the check runs before hashing).
    const locked = await new RestClient(kas.apiUrl).login(username, 'victim-password-1');
    expect(locked.status).toBe(429);
    // Other users are not affected, and the process is healthy.
    expect((await new RestClient(kas.apiUrl).login(kas.adminUsername, kas.adminPassword)).status).toBe(200);
    const ready = await fetch(`${kas.observabilityUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(rssAfter - rssBefore).toBeLessThan(200 * 2 ** 20);
  });
});
