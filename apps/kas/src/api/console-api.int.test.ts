import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../testing/api-client';
import { startTestKas, testBackends, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from '../testing/world';
import type { AppRouter } from '../trpc/router';
import { csrfErrorMessage } from './pipeline';

function trpcClient(baseUrl: string, client: RestClient) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: () => ({
          ...(client.cookie ? { cookie: client.cookie } : {}),
          ...(client.csrfToken ? { 'x-csrf-token': client.csrfToken } : {}),
          ...(client.bearer ? { authorization: `Bearer ${client.bearer}` } : {}),
        }),
      }),
    ],
  });
}

describe.each(testBackends)('console API over real HTTP [%s]', (backend) => {
  let kas: TestKas;
  let w: HttpWorld;

  beforeAll(async () => {
    kas = await startTestKas(backend);
    w = await buildHttpWorld(kas);
  }, 180_000);

  afterAll(async () => {
    await kas?.dispose();
  });

  it('answers GET /api/v1/version without authentication', async () => {
    const res = await new RestClient(kas.apiUrl).get('/api/v1/version');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kasVersion: '0.1.0', apiVersion: 'v1' });
  });

  it('logs in with an httpOnly SameSite=Lax cookie, logs out, and the cookie stops working', async () => {
    const client = new RestClient(kas.apiUrl);
    const wrong = await client.login(kas.adminUsername, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/wrong username or password/),
    });
    expect(wrong.headers.getSetCookie()).toEqual([]);

    const ok = await client.login(kas.adminUsername, kas.adminPassword);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(
      /^mooring_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    expect(ok.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(JSON.stringify(ok.body)).not.toContain(cookie.split(';')[0]!.split('=')[1]);

    const me = await client.get<{ user: { username: string }; authMethod: string; csrfToken: string }>(
      '/api/v1/session',
    );
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { username: 'admin' },
      authMethod: 'session',
      csrfToken: ok.body.csrfToken,
      canCreateGroups: true,
    });

    const sessionCookie = client.cookie;
    const out = await client.delete('/api/v1/session');
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^mooring_session=; .*Max-Age=0/);

    const stale = new RestClient(kas.apiUrl);
    stale.cookie = sessionCookie;
    expect((await stale.get('/api/v1/session')).status).toBe(401);
  });

  it('refuses a cookie-authenticated mutation without a valid CSRF token and writes nothing', async () => {
    const path = uniqueName('csrf');
    for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Record<string, string>[]) {
      const res = await w.admin.request(
        'POST',
        '/api/v1/groups',
        { name: 'x', path },
        { csrf: false, headers },
      );
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ code: 'forbidden', message: csrfErrorMessage });
    }
    const groups = await w.admin.get<{ path: string }[]>('/api/v1/groups');
    expect(groups.body.map((g) => g.path)).not.toContain(path);
    // Reads need no CSRF token.
    expect((await w.admin.request('GET', '/api/v1/groups', undefined, { csrf: false })).status).toBe(200);
    // The same token does pass.
    expect((await w.admin.post('/api/v1/groups', { name: 'x', path })).status).toBe(201);
  });

  it('enforces PAT scopes: read_api reads but cannot write, api writes, bad or revoked tokens are 401', async () => {
    const read = await w.admin.post<{ token: { id: number }; secret: string }>(
      '/api/v1/personal_access_tokens',
      {
        name: 'read only',
        scopes: ['read_api'],
      },
    );
    expect(read.status).toBe(201);
    expect(read.body.secret).toMatch(/^mpat-[A-Za-z0-9]{40}$/);
    const reader = w.admin.withBearer(read.body.secret);
    expect((await reader.get('/api/v1/projects')).status).toBe(200);
    const denied = await reader.post('/api/v1/groups', { name: 'n', path: uniqueName('pat') });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/scopes \[read_api\].*needs scope api/),
    });

    const write = await w.admin.post<{ secret: string }>('/api/v1/personal_access_tokens', {
      name: 'rw',
      scopes: ['api'],
    });
    const writer = w.admin.withBearer(write.body.secret);
    // PAT mutations need no CSRF token: there is no ambient credential to ride on.
    expect((await writer.post('/api/v1/groups', { name: 'n', path: uniqueName('pat') })).status).toBe(201);

    const bogus = await w.admin.withBearer('mpat-' + 'x'.repeat(40)).get('/api/v1/projects');
    expect(bogus.status).toBe(401);
    expect(bogus.body).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/unknown, revoked or expired/),
    });

    // The token list never shows the secret again.
    const list = await w.admin.get('/api/v1/personal_access_tokens');
    expect(list.text).not.toContain(read.body.secret);

    expect((await w.admin.delete(`/api/v1/personal_access_tokens/${read.body.token.id}`)).status).toBe(200);
    expect((await reader.get('/api/v1/projects')).status).toBe(401);
  });

  it('checks roles: a reporter cannot create an agent token (403 with the reason)', async () => {
    const res = await w.as.reporter.post(`/api/v1/agents/${w.agentId}/tokens`, { name: 'nope' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/creating agent tokens needs the Maintainer role .*you are Reporter/),
    });
    expect((await w.as.developer.get(`/api/v1/agents/${w.agentId}/tokens`)).status).toBe(200);
    const outsider = new RestClient(kas.apiUrl);
    const username = uniqueName('outsider');
    await w.admin.post('/api/v1/users', { username, password: 'outsider-pw-1' });
    await outsider.login(username, 'outsider-pw-1');
    // Not visible at all: 404, so ids cannot be probed.
    expect((await outsider.get(`/api/v1/agents/${w.agentId}`)).status).toBe(404);
    // Users are admin-only.
    expect((await w.as.owner.get('/api/v1/users')).status).toBe(403);
  });

  it('shows an agent token once, allows at most 2 active, and rejects a revoked token', async () => {
    const m = w.as.maintainer;
    const first = await m.post<{ token: { id: number; status: string }; secret: string }>(
      `/api/v1/agents/${w.agentId}/tokens`,
      { name: 'one', description: 'first' },
    );
    expect(first.status, first.text).toBe(201);
    expect(first.body.secret).toMatch(/^mgt-[A-Za-z0-9]{50}$/);
    expect(first.body.token.status).toBe('active');
    const second = await m.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'two' });
    expect(second.status).toBe(201);
    const third = await m.post(`/api/v1/agents/${w.agentId}/tokens`, { name: 'three' });
    expect(third.status).toBe(409);
    expect(third.body).toMatchObject({ code: 'conflict', message: expect.stringMatching(/revoke/) });

    const list = await m.get<{ name: string }[]>(`/api/v1/agents/${w.agentId}/tokens`);
    expect(list.body.map((t) => t.name).sort()).toEqual(['one', 'two']);
    expect(list.text).not.toContain(first.body.secret);
    expect(list.text).not.toMatch(/mgt-/);

    expect(await kas.kas.services.agentTokens.verify(first.body.secret)).toMatchObject({
      agentId: w.agentId,
    });
    const revoked = await m.delete<{ status: string }>(
      `/api/v1/agents/${w.agentId}/tokens/${first.body.token.id}`,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect(await kas.kas.services.agentTokens.verify(first.body.secret)).toBeNull();
    // With one active again, a new token is allowed.
    expect((await m.post(`/api/v1/agents/${w.agentId}/tokens`, { name: 'three' })).status).toBe(201);

    const connections = await w.as.developer.get<unknown[]>(
      `/api/v1/agents/${w.agentId}/connections?includeDisconnected=true`,
    );
    expect(connections.status, connections.text).toBe(200);
    expect(connections.body).toEqual([]); // no agentk has connected in this test
    const activity = await m.get<{ kind: string }[]>(`/api/v1/agents/${w.agentId}/activity`);
    expect(activity.body.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['token_created', 'token_revoked']),
    );
  });

  it('mints CI job tokens for Maintainers only, shown once', async () => {
    const minted = await w.as.maintainer.post<{ id: number; secret: string; expiresAt: string }>(
      `/api/v1/projects/${w.projectId}/ci_job_tokens`,
      { jobId: '1234', environment: 'review/feature-1', ttlSeconds: 600 },
    );
    expect(minted.status, minted.text).toBe(201);
    expect(minted.body.secret).toMatch(/^mcj-[A-Za-z0-9]{40}$/);
    expect(await kas.kas.services.ciJobTokens.verify(minted.body.secret)).toMatchObject({
      projectId: w.projectId,
      jobId: '1234',
      environment: 'review/feature-1',
    });
    const denied = await w.as.developer.post(`/api/v1/projects/${w.projectId}/ci_job_tokens`, { jobId: '1' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      message: expect.stringMatching(/minting CI job tokens needs the Maintainer role/),
    });
  });

  it('answers a rejected configuration with every error, its line and field', async () => {
    const yaml = [
      'observability:',
      '  logging:',
      '    level: loud',
      'user_access:',
      '  access_as: {nobody: {}}',
      '',
    ].join('\n');
    const res = await w.as.maintainer.post<{
      code: string;
      message: string;
      field: string;
      errors: { line: number; path: string; message: string }[];
    }>(`/api/v1/agents/${w.agentId}/configs`, { yaml });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_config');
    expect(res.body.errors.length).toBeGreaterThanOrEqual(2);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ line: 3, path: 'observability.logging.level' })]),
    );
    expect(res.body.message).toMatch(/line 3/);

    const good = await w.as.maintainer.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: 'observability:\n  logging:\n    level: debug\n',
    });
    expect(good.status, good.text).toBe(201);
    const live = await w.as.developer.get<{ version: number; yaml: string }>(
      `/api/v1/agents/${w.agentId}/configs/live`,
    );
    expect(live.body).toMatchObject({ version: good.body.version, yaml: expect.stringContaining('debug') });
    const history = await w.as.developer.get<{ version: number; valid: boolean }[]>(
      `/api/v1/agents/${w.agentId}/configs`,
    );
    expect(history.body.map((h) => h.valid)).toEqual([true, false]);
  });

  it('streams live configuration versions over SSE (tRPC subscription), resuming after lastEventId', async () => {
    const open = (client: RestClient, input: object, signal: AbortSignal) =>
      fetch(`${kas.apiUrl}/trpc/agentConfigs.onChanged?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { cookie: client.cookie!, accept: 'text/event-stream' },
        signal,
      });
    const save = (level: string) =>
      w.as.maintainer.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
        yaml: `observability:\n  logging:\n    level: ${level}\n`,
      });
    const before = await save('info');
    expect(before.status, before.text).toBe(201);
    const abort = new AbortController();
    const res = await open(w.as.developer, { agentId: w.agentId }, abort.signal);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    const nextVersion = async (): Promise<number> => {
      for (;;) {
        // tRPC writes each tracked event as `data: <json>` then `id: <id>`.
        const match = /data: ?(\{"agentId".*)\nid: ?(\d+)\n/.exec(buffered);
        if (match) {
          buffered = buffered.slice(match.index + match[0].length);
          const data = JSON.parse(match[1]!) as { version: number };
          expect(String(data.version)).toBe(match[2]);
          return data.version;
        }
        const { value, done } = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no event within 10 s; got ${buffered}`)), 10_000),
          ),
        ]);
        if (done) throw new Error(`stream ended; got ${buffered}`);
        buffered += value;
      }
    };
    expect(await nextVersion()).toBe(before.body.version);
    const saved = await save('warn');
    expect(saved.status, saved.text).toBe(201);
    expect(await nextVersion()).toBe(saved.body.version);
    abort.abort();

    // Resuming after the newest version sends nothing old; a reporter may not subscribe at all.
    const resumed = new AbortController();
    const again = await open(
      w.as.developer,
      { agentId: w.agentId, lastEventId: String(saved.body.version) },
      resumed.signal,
    );
    const first = await Promise.race([
      again
        .body!.pipeThrough(new TextDecoderStream())
        .getReader()
        .read()
        .then((r) => r.value ?? ''),
      new Promise<string>((r) => setTimeout(() => r('(nothing)'), 500)),
    ]);
    expect(first).not.toMatch(/^id:/m);
    expect(first).not.toContain('"version"');
    resumed.abort();
    const denied = await open(w.as.reporter, { agentId: w.agentId }, new AbortController().signal);
    const deniedText = await denied.text();
    expect(deniedText).toMatch(/viewing agent configuration needs the Developer role/);
  });

  it('shows audit rows with the caller address to an administrator only', async () => {
    const rows =
      await w.admin.get<{ action: string; actorName: string; address: string | null }[]>(
        '/api/v1/audit?limit=200',
      );
    expect(rows.status).toBe(200);
    const actions = rows.body.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['session.login', 'group.create', 'agent_token.create', 'agent_token.revoke']),
    );
    const tokenRow = rows.body.find((r) => r.action === 'agent_token.create')!;
    expect(tokenRow.address).toMatch(/127\.0\.0\.1/);
    expect((await w.as.owner.get('/api/v1/audit')).status).toBe(403);

    // Failed sign-ins and refusals are recorded too (the wrong password and the reporter's 403 above).
    type Row = { action: string; actorName: string; targetId: string; details: Record<string, unknown> };
    const failed = await w.admin.get<Row[]>('/api/v1/audit?action=session.login_failed');
    expect(failed.body).toContainEqual(
      expect.objectContaining({
        actorName: 'anonymous',
        targetId: 'admin',
        details: { reason: 'wrong_password' },
      }),
    );
    const owner = (await w.as.owner.get<{ user: { username: string } }>('/api/v1/session')).body.user
      .username;
    // `actor` matches part of the name in any case, and its text is no pattern ('%' is a literal).
    const denied = await w.admin.get<Row[]>(
      `/api/v1/audit?action=authorization.denied&actor=${encodeURIComponent(owner.slice(1).toUpperCase())}`,
    );
    expect(denied.body).toContainEqual(
      expect.objectContaining({ actorName: owner, targetId: 'audit.list', details: expect.anything() }),
    );
    expect(denied.body.every((r) => r.actorName === owner)).toBe(true);
    expect((await w.admin.get<Row[]>('/api/v1/audit?actor=%25')).body).toEqual([]);
  });

  it('serves an OpenAPI 3.1 document listing every REST route', async () => {
    const res = await new RestClient(kas.apiUrl).get<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId: string; parameters: { name: string; in: string }[] }>
      >;
    }>('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of kas.kas.routes) {
      const path = `/api/v1${route.template.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
      const op = res.body.paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${path}`).toBeDefined();
      expect(op!.operationId).toBe(route.operation.name);
      for (const name of route.paramNames) {
        expect(op!.parameters).toContainEqual(expect.objectContaining({ name, in: 'path' }));
      }
    }
    const count = Object.values(res.body.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(count).toBe(kas.kas.routes.length);
  });

  it('serves the same operations over tRPC with {code, message, field} in error.data', async () => {
    const trpc = trpcClient(kas.apiUrl, w.as.maintainer);
    const me = await trpc.session.me.query();
    expect(me.user.id).toBe(w.userIds.maintainer);
    const agents = await trpc.agents.listForProject.query({ projectId: w.projectId });
    expect(agents.map((a) => a.id)).toContain(w.agentId);

    const reporter = trpcClient(kas.apiUrl, w.as.reporter);
    const denied = await reporter.agentTokens.create
      .mutate({ agentId: w.agentId, name: 'x' })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(TRPCClientError);
    expect((denied as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'forbidden',
      httpStatus: 403,
      message: expect.stringMatching(/Maintainer role/),
    });

    const bad = await trpc.agents.register
      .mutate({ projectId: w.projectId, name: 'x', extra: 1 } as never)
      .catch((e: unknown) => e);
    expect((bad as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'invalid_input',
      field: 'extra',
      httpStatus: 400,
    });

    const noCsrf = new RestClient(kas.apiUrl);
    noCsrf.cookie = w.as.maintainer.cookie;
    const refused = await trpcClient(kas.apiUrl, noCsrf)
      .groups.create.mutate({ name: 'n', path: uniqueName('trpc') })
      .catch((e: unknown) => e);
    expect((refused as TRPCClientError<AppRouter>).data).toMatchObject({
      code: 'forbidden',
      message: csrfErrorMessage,
    });
  });
});
