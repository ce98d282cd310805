// The browser's way to the Kubernetes API proxy, through the real console server (serve.ts around Next), the real
// kas and a real agentk on the run's cluster: a signed-in session (cookie + CSRF token) lists, watches and execs
// into a kwok pod under /api/k8s-proxy/<agent id>/…; a foreign Origin and a missing session are refused, saying why.
import { randomBytes } from 'node:crypto';

import { kubectl } from '@mooring/kube-dev/testing';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startAgentk, type AgentkProcess } from './support/agentk';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';
import { webSocketExec } from './support/websocket-exec';

const NS = `k8sroute-${randomBytes(3).toString('hex')}`;
let stack: Stack;
let agentk: AgentkProcess | undefined;
let agentId: number;
/** The signed-in browser's cookie and CSRF token. */
let session: { cookie: string; csrfToken: string };

async function ok(args: string[]): Promise<string> {
  const result = await kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A request to the console as the signed-in browser: same origin, its cookie and CSRF token. */
function asBrowser(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.consoleUrl}${path}`, {
    ...init,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, ...init.headers },
  });
}

beforeAll(async () => {
  stack = await startStack();
  const login = await fetch(`${stack.consoleUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: adminUsername, password: adminPassword }),
  });
  expect(login.status, await login.clone().text()).toBe(200);
  session = {
    cookie: login.headers.getSetCookie()[0]!.split(';')[0]!,
    csrfToken: ((await login.json()) as { csrfToken: string }).csrfToken,
  };
  const created = async (path: string, body: unknown) => {
    const res = await asBrowser(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, `POST ${path}: ${text}`).toBe(201);
    return JSON.parse(text) as { id: number; secret?: string };
  };
  const group = await created('/api/v1/groups', {
    name: 'Route',
    path: `route-${randomBytes(2).toString('hex')}`,
  });
  const project = await created('/api/v1/projects', { groupId: group.id, name: 'Apps', path: 'apps' });
  agentId = (await created(`/api/v1/projects/${project.id}/agents`, { name: 'explorer' })).id;
  const token = await created(`/api/v1/agents/${agentId}/tokens`, { name: 'route' });
  agentk = startAgentk(stack, token.secret!, 'agentk-k8sroute');

  await ok(['create', 'namespace', NS]);
  await until(
    `the default service account in ${NS}`,
    async () => (await kubectl(['get', 'sa', 'default', '-n', NS])).code === 0,
  );
  await ok(['run', 'p1', '-n', NS, '--image=busybox', '--restart=Never']);
  await ok(['wait', '-n', NS, '--for=condition=Ready', 'pod/p1', '--timeout=60s']);
  // The agent is connected once the proxy answers through it.
  await until(
    () => `agentk connected (its output: ${agentk?.output().slice(-2000)})`,
    async () => (await asBrowser(`/api/k8s-proxy/${agentId}/api/v1/namespaces/${NS}`)).status === 200,
    90_000,
  );
}, 400_000);

afterAll(async () => {
  await kubectl(['delete', 'namespace', NS, '--wait=false']);
  await agentk?.stop();
  await stack?.stop();
});

describe('/api/k8s-proxy/<agent id>/… through the console', () => {
  it("learns the proxy's URL and CA from kas", async () => {
    const res = await fetch(`${stack.consoleUrl}/api/v1/kubernetes-proxy`);
    expect(res.status).toBe(200);
    const endpoint = (await res.json()) as { url: string; caPem: string | null };
    expect(endpoint.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/k8s-proxy$/);
    expect(endpoint.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("lists the cluster's namespaces as the signed-in user", async () => {
    const res = await asBrowser(`/api/k8s-proxy/${agentId}/api/v1/namespaces`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe('NamespaceList');
    const names = list.items.map((n) => n.metadata.name);
    expect(names).toContain(NS);
    expect(names).toContain('kube-system');
  });

  it('streams a watch event as it happens', async () => {
    const listed = (await (
      await asBrowser(`/api/k8s-proxy/${agentId}/api/v1/namespaces/${NS}/configmaps`)
    ).json()) as {
      metadata: { resourceVersion: string };
    };
    const abort = new AbortController();
    const res = await asBrowser(
      `/api/k8s-proxy/${agentId}/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${listed.metadata.resourceVersion}`,
      { signal: abort.signal },
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // Only after the watch is open does the object appear: its event must come through the open stream.
    const name = `cm-${randomBytes(3).toString('hex')}`;
    await ok(['create', 'configmap', name, '-n', NS, '--from-literal=a=b']);
    let seen = '';
    while (!seen.includes(`"name":"${name}"`)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the watch ended before the event for ${name}; it sent: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toMatch(/"type":"ADDED"/);
    abort.abort();
  });

  it('execs a command in a kwok pod over v5.channel.k8s.io and echoes its output', async () => {
    const query = `command=echo&command=hello-from-the-console&stdout=true&stderr=true&mooring-csrf-token=${encodeURIComponent(session.csrfToken)}`;
    const result = await webSocketExec(
      stack.consoleUrl,
      `/api/k8s-proxy/${agentId}/api/v1/namespaces/${NS}/pods/p1/exec?${query}`,
      {
        Origin: stack.consoleUrl,
        Cookie: session.cookie,
      },
    );
    expect(result.status, result.body).toBe(101);
    expect(result.channels.get(1)).toBe('hello-from-the-console\n');
    expect(result.channels.get(3)).toMatch(/"status":"Success"/);
  });

  it('refuses an upgrade from another origin, naming MOORING_CONSOLE_URL', async () => {
    const result = await webSocketExec(
      stack.consoleUrl,
      `/api/k8s-proxy/${agentId}/api/v1/namespaces/${NS}/pods/p1/exec?command=true&stdout=true&mooring-csrf-token=${encodeURIComponent(session.csrfToken)}`,
      { Origin: 'https://elsewhere.example', Cookie: session.cookie },
    );
    expect(result.status).toBe(403);
    expect(result.body).toContain('MOORING_CONSOLE_URL');
    expect(result.body).toContain(new URL(stack.consoleUrl).origin);
  });

  it('answers 401 without a session, saying to sign in', async () => {
    const res = await fetch(`${stack.consoleUrl}/api/k8s-proxy/${agentId}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/sign in to the console/);
  });

  it('refuses an agent id that is not a positive integer, before asking kas', async () => {
    const res = await asBrowser('/api/k8s-proxy/0x1/api/v1/namespaces');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/positive integer/);
  });
});
