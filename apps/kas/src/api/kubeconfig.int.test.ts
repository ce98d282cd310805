// kubeconfig.agents / kubeconfig.create end to end: a real kas (default modules), a real agentk on the run's local
// cluster, users with each role, and the cluster's own kubectl reading the file kas answered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agentk } from '@mooring/agentk';
import { kubectl } from '@mooring/kube-dev/testing';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { startTestKas, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from '../testing/world';
import { startClusterAgentk } from '../testing/cluster-agentk';

interface Reachable {
  agentId: number;
  agentName: string;
  projectPath: string;
  context: string;
  defaultNamespace: string | null;
}
interface Made {
  filename: string;
  yaml: string;
  token: { id: number; scopes: string[]; expiresAt: string; name: string };
  contexts: Reachable[];
}
interface KubeconfigFile {
  contexts: { name: string; context: { user: string; namespace?: string } }[];
  users: { name: string; user: { token: string } }[];
  'current-context': string;
}

describe('a kubeconfig for every agent the user may reach', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let shared: { agentId: number; name: string; projectPath: string };
  let agentk: Agentk | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-kubeconfig-'));

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
    const groupPath = (await w.admin.get<{ fullPath: string }>(`/api/v1/groups/${w.groupId}`)).body.fullPath;
    // A second agent elsewhere, shared with the world's group through user_access, with a default namespace.
    const other = await w.admin.post<{ id: number; fullPath: string }>('/api/v1/groups', {
      name: 'Ops',
      path: uniqueName('ops'),
    });
    const project = await w.admin.post<{ id: number; fullPath: string }>('/api/v1/projects', {
      groupId: other.body.id,
      name: 'Tools',
      path: 'tools',
    });
    const name = uniqueName('shared');
    const agent = await w.admin.post<{ id: number }>(`/api/v1/projects/${project.body.id}/agents`, { name });
    expect(agent.status, agent.text).toBe(201);
    shared = { agentId: agent.body.id, name, projectPath: project.body.fullPath };
    const saved = await w.admin.post(`/api/v1/agents/${shared.agentId}/configs`, {
      yaml: `user_access:\n  access_as: {agent: {}}\n  groups:\n    - id: ${groupPath}\n      default_namespace: shared-ns\n`,
    });
    expect(saved.status, saved.text).toBe(201);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${shared.agentId}/tokens`, {
      name: 'k',
    });
    expect(token.status, token.text).toBe(201);
    agentk = await startClusterAgentk(tk.kas, token.body.secret, 'agentk-kubeconfig-0');
  });

  afterAll(async () => {
    await agentk?.stop(2_000);
    await tk?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists, per role, the agents the proxy would let in, with the namespace their user_access entry names', async () => {
    const own = (await w.as.developer.get<Reachable[]>('/api/v1/kubeconfig/agents')).body;
    expect(own.map((a) => a.agentId).sort()).toEqual([w.agentId, shared.agentId].sort());
    // In project path order, as the contexts of the file are.
    expect(own.map((a) => a.projectPath)).toEqual(
      own.map((a) => a.projectPath).sort((a, b) => a.localeCompare(b)),
    );
    expect(own).toHaveLength(2);
    expect(own.find((a) => a.agentId === shared.agentId)).toMatchObject({
      context: `${shared.projectPath}/${shared.name}`,
      defaultNamespace: 'shared-ns',
    });
    expect(own.find((a) => a.agentId === w.agentId)).toMatchObject({ defaultNamespace: null });
    for (const role of ['guest', 'reporter'] as const)
      expect((await w.as[role].get<Reachable[]>('/api/v1/kubeconfig/agents')).body, role).toEqual([]);
    const admin = (await w.admin.get<Reachable[]>('/api/v1/kubeconfig/agents')).body;
    expect(admin.map((a) => a.agentId).sort()).toEqual([w.agentId, shared.agentId].sort());
  });

  it('mints a k8s_proxy token with an expiry and writes one context per agent; kubectl uses it as written', async () => {
    const res = await w.as.developer.post<Made>('/api/v1/kubeconfig', { expiresInDays: 7 });
    expect(res.status, res.text).toBe(201);
    const made = res.body;
    expect(made.token.scopes).toEqual(['k8s_proxy']);
    const days = (Date.parse(made.token.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const file = parse(made.yaml) as KubeconfigFile;
    expect(file.contexts.map((c) => c.name)).toEqual(made.contexts.map((c) => c.context));
    expect(file['current-context']).toBe(made.contexts[0]!.context);
    const sharedContext = file.contexts.find((c) => c.name === `${shared.projectPath}/${shared.name}`)!;
    expect(sharedContext.context.namespace).toBe('shared-ns');
    expect(file.users.every((u) => /^pat:\d+:mpat-/.test(u.user.token))).toBe(true);

    const kubeconfig = path.join(dir, made.filename);
    fs.writeFileSync(kubeconfig, made.yaml, { mode: 0o600 });
    const ns = await kubectl(
      ['config', 'view', '--minify', '--context', sharedContext.name, '-o', 'jsonpath={..namespace}'],
      { kubeconfig },
    );
    expect(ns.stdout).toBe('shared-ns');
    const got = await kubectl(
      ['--context', sharedContext.name, 'get', 'namespace', 'default', '-o', 'name'],
      {
        kubeconfig,
      },
    );
    expect(got.stderr).toBe('');
    expect(got.stdout.trim()).toBe('namespace/default');

    // The token is an ordinary PAT: listed on the Tokens page, revocable there, and then kubectl is refused.
    const listed = await w.as.developer.get<{ id: number; name: string }[]>('/api/v1/personal_access_tokens');
    expect(listed.body.find((t) => t.id === made.token.id)?.name).toBe('kubeconfig (2 agents)');
    expect(
      (await w.as.developer.request('DELETE', `/api/v1/personal_access_tokens/${made.token.id}`)).status,
    ).toBe(200);
    // The revocation empties the proxy's answer cache (kubernetes_api's auth cache listens to accessChanged), so
    // the very next kubectl is refused, not one up to 10 s later.
    const refused = await kubectl(['--context', sharedContext.name, 'get', 'namespace', 'default'], {
      kubeconfig,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Unauthorized|must be logged in|revoked/i);
  });

  it('tells a user who may reach no agent whom to ask, and mints nothing', async () => {
    const before = (await w.as.reporter.get<unknown[]>('/api/v1/personal_access_tokens')).body.length;
    const res = await w.as.reporter.post<{ message: string }>('/api/v1/kubeconfig', {});
    expect(res.status).toBe(404);
    expect(res.body.message).toMatch(/ask a Maintainer of the project .* make you Developer/);
    expect((await w.as.reporter.get<unknown[]>('/api/v1/personal_access_tokens')).body).toHaveLength(before);
  });

  it('answers bad input with the field and what was expected', async () => {
    const zero = await w.as.developer.post<{ message: string }>('/api/v1/kubeconfig', {
      expiresInDays: 0,
    });
    expect(zero.status).toBe(400);
    expect(zero.text).toMatch(/expiresInDays.*at least 1 day/);
    const notMine = await w.as.developer.post<{ message: string }>('/api/v1/kubeconfig', {
      agentIds: [w.agentId, 999_999],
    });
    expect(notMine.status).toBe(404);
    expect(notMine.body.message).toMatch(/agent 999999 not found among the agents you may use/);
    const one = await w.as.developer.post<Made>('/api/v1/kubeconfig', { agentIds: [shared.agentId] });
    expect(one.status, one.text).toBe(201);
    expect(one.body.contexts.map((c) => c.agentId)).toEqual([shared.agentId]);
    const tooMany = await w.as.developer.post('/api/v1/kubeconfig', {
      agentIds: Array.from({ length: 201 }, (_, i) => i + 1),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toMatch(/agentIds.*at most 200/);
  });
});
