// objects.get and the objects.* authorization end to end: a real kas (default modules), a real agentk on the run's
// local cluster, users with each role. With access_as user the object is fetched as the viewer (a RoleBinding in
// namespace A only); with access_as agent as agentk's service account; Secrets never; managedFields dropped.
import type { Agentk } from '@mooring/agentk';
import { createFreshNamespace, deleteNamespace, kubectl } from '@mooring/kube-dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { startTestKas, type TestKas } from '../testing/test-kas';
import { buildHttpWorld, type HttpWorld } from '../testing/world';
import { startClusterAgentk } from '../testing/cluster-agentk';

interface Got {
  object: { kind?: string; data?: Record<string, string>; metadata?: Record<string, unknown> };
  actsAsAgent: boolean;
}

describe('objects.get as the viewer', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agentk: Agentk | undefined;
  let projectPath: string;
  let nsA: string;
  let nsB: string;

  const ok = async (args: string[]) => {
    const result = await kubectl(args);
    expect(result.code, result.stderr).toBe(0);
  };
  const save = async (accessAs: 'user' | 'agent') => {
    const saved = await w.admin.post(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: `user_access:\n  access_as:\n    ${accessAs}: {}\n  projects:\n    - id: ${projectPath}\n`,
    });
    expect(saved.status, saved.text).toBe(201);
  };
  const get = (role: keyof HttpWorld['as'], query: Record<string, string>) =>
    w.as[role].get<Got & { message?: string; field?: string }>(
      `/api/v1/agents/${w.agentId}/objects?${new URLSearchParams(query).toString()}`,
    );

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
    projectPath = (await w.admin.get<{ fullPath: string }>(`/api/v1/projects/${w.projectId}`)).body.fullPath;
    await save('user');
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'k' });
    expect(token.status, token.text).toBe(201);
    agentk = await startClusterAgentk(tk.kas, token.body.secret, 'agentk-objects-0');
    nsA = await createFreshNamespace();
    nsB = await createFreshNamespace();
    await ok([
      'create',
      'rolebinding',
      'developers-view',
      '-n',
      nsA,
      '--clusterrole=view',
      `--group=mooring:project_role:${w.projectId}:developer`,
    ]);
    for (const ns of [nsA, nsB]) {
      await ok(['create', 'configmap', 'settings', '-n', ns, '--from-literal=k=v']);
      await ok(['create', 'secret', 'generic', 'password', '-n', ns, '--from-literal=p=hunter2']);
    }
  }, 180_000);

  afterAll(async () => {
    for (const ns of [nsA, nsB]) if (ns) await deleteNamespace(ns);
    await agentk?.stop(2_000);
    await tk?.dispose();
  });

  it('answers an object of namespace A, without managedFields, and says the viewer acts as itself', async () => {
    const res = await get('developer', { resource: 'configmaps', namespace: nsA, name: 'settings' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.actsAsAgent).toBe(false);
    expect(res.body.object).toMatchObject({ kind: 'ConfigMap', data: { k: 'v' } });
    expect(res.body.object.metadata).not.toHaveProperty('managedFields');
  });

  it("refuses namespace B with the cluster's own reason (the viewer has no RoleBinding there)", async () => {
    const res = await get('developer', { resource: 'configmaps', namespace: nsB, name: 'settings' });
    expect(res.status, res.text).toBe(403);
    expect(res.body.message).toMatch(/the cluster refused: .*mooring:user:/);
  });

  it('never answers a Secret, whatever the RBAC', async () => {
    const res = await get('owner', { resource: 'secrets', namespace: nsA, name: 'password' });
    expect(res.status, res.text).toBe(400);
    expect(res.body.field).toBe('resource');
    expect(res.text).toContain('secrets are never shown');
    expect(res.text).not.toContain('hunter2');
    const asV1 = await get('owner', { resource: 'v1/secrets', namespace: nsA, name: 'password' });
    expect(asV1.status, asV1.text).toBe(400);
  });

  it('answers 404 to those the proxy would not let in (below Developer), and names bad fields', async () => {
    for (const role of ['guest', 'reporter'] as const) {
      const res = await get(role, { resource: 'configmaps', namespace: nsA, name: 'settings' });
      expect(res.status, `${role}: ${res.text}`).toBe(404);
      expect(res.text).not.toContain('"k"');
    }
    const bad = await get('developer', { resource: 'configmaps', namespace: 'Not_A_Name', name: 'settings' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('namespace');
  });

  it('with access_as agent, fetches as agentk and says so', async () => {
    await save('agent');
    const res = await get('developer', { resource: 'configmaps', namespace: nsB, name: 'settings' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.actsAsAgent).toBe(true);
    await save('user');
  });
});
