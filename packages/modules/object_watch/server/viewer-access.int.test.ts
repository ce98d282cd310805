// Per-viewer access on the real cluster: SubjectAccessReviews created through a real agentk (its own credentials,
// through the tunnel's KubernetesApi.MakeRequest) for a viewer with access_as user and a RoleBinding in one
// namespace only; objects fetched as that viewer with the proxy's impersonation; a removed RoleBinding is seen
// within one cache TTL (on the injected clock).
import { randomBytes } from 'node:crypto';
import { createFreshNamespace, deleteNamespace, kubectl } from '@mooring/kube-dev/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requestThroughAgent, type AgentKubeRequests } from '../../kubernetes_api/server/index';
import { startProxyWorld, type ProxyWorld } from '../../kubernetes_api/server/testing/proxy-world';
import { impersonationFor, type AuthorizedUser } from '../../kubernetes_api/shared/impersonation';
import { until } from '../../shared/testing/until';
import type { ObjectRow } from '../shared/watch-api';
import { namespaceLister, subjectAccessReviewer } from './agent-reviews';
import { createViewerAccess, ViewerForbiddenError } from './viewer-access';

const cluster = inject('kubeCluster');
let world: ProxyWorld;
let requests: AgentKubeRequests;
let nsA: string;
let nsB: string;
let alice: AuthorizedUser;
const binding = `owapi-view-${randomBytes(3).toString('hex')}`;

const ok = async (args: string[], stdin?: string) => {
  const result = await kubectl(args, { stdin });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};

const row = (name: string, namespace?: string): ObjectRow => ({
  uid: `uid-${name}`,
  name,
  ...(namespace !== undefined && { namespace }),
  resourceVersion: '1',
  createdAt: '2026-12-03T00:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: {},
});

beforeAll(async () => {
  world = await startProxyWorld(cluster);
  await world.setConfig(
    `user_access:\n  access_as:\n    user: {}\n  projects:\n    - id: ${world.projectPath}\n`,
  );
  await world.startAgentk('owapi-viewer-0');
  requests = {
    request: (agentId, request) => requestThroughAgent(world.agentServer.dialer, agentId, request),
  };
  nsA = await createFreshNamespace();
  nsB = await createFreshNamespace();
  // The project's Developers may view namespace A only (the group name the proxy's impersonation gives them).
  await ok([
    'create',
    'rolebinding',
    binding,
    '-n',
    nsA,
    '--clusterrole=view',
    `--group=mooring:project_role:${world.projectId}:developer`,
  ]);
  for (const ns of [nsA, nsB]) await ok(['create', 'configmap', 'settings', '-n', ns, '--from-literal=k=v']);
  const facts = await world.services.agentAccess.forUser(
    { id: world.alice.userId!, username: 'alice', isAdmin: false },
    world.agentId,
    'session_cookie',
  );
  expect(facts?.accessAs).toEqual({ user: {} });
  alice = facts!;
}, 180_000);

afterAll(async () => {
  for (const ns of [nsA, nsB]) if (ns) await deleteNamespace(ns);
  await world?.dispose();
});

describe('viewer access through a real agent', () => {
  it('SubjectAccessReviews allow namespace A and refuse B for a viewer with access_as user', async () => {
    const access = createViewerAccess({
      review: subjectAccessReviewer(requests),
      listNamespaces: namespaceLister(requests),
    });
    const pods = await access.scope(alice, { agentId: world.agentId, resource: 'pods' });
    expect(pods.actsAsAgent).toBe(false);
    expect(pods.all).toBe(false);
    expect(pods.namespaces.has(nsA)).toBe(true);
    expect(pods.namespaces.has(nsB)).toBe(false);
    expect(pods.visible(row('web', nsA))).toBe(true);
    expect(pods.visible(row('web', nsB))).toBe(false);

    const inB = access.scope(alice, {
      agentId: world.agentId,
      resource: 'apps/v1/deployments',
      namespace: nsB,
    });
    await expect(inB).rejects.toThrow(ViewerForbiddenError);
    await expect(inB).rejects.toThrow(`may not list apps/v1/deployments in namespace ${nsB}`);
    await expect(access.scope(alice, { agentId: world.agentId, resource: 'nodes' })).rejects.toThrow(
      /may not list nodes in any namespace/,
    );

    const namespaces = await access.scope(alice, { agentId: world.agentId, resource: 'namespaces' });
    expect(namespaces.visible(row(nsA))).toBe(true);
    expect(namespaces.visible(row(nsB))).toBe(false);
  });

  it('the agent acts as its own service account for access_as agent: no review is needed', async () => {
    const asAgent: AuthorizedUser = { ...alice, accessAs: { agent: {} } };
    let reviews = 0;
    const access = createViewerAccess({
      review: (...args) => {
        reviews++;
        return subjectAccessReviewer(requests)(...args);
      },
      listNamespaces: namespaceLister(requests),
    });
    const scope = await access.scope(asAgent, { agentId: world.agentId, resource: 'pods' });
    expect(scope).toMatchObject({ actsAsAgent: true, all: true });
    expect(scope.visible(row('web', nsB))).toBe(true);
    expect(reviews).toBe(0);
  });

  it('one object through the agent as the viewer: A answers, B is refused by the cluster', async () => {
    const impersonation = impersonationFor(alice)!;
    const get = (ns: string) =>
      requests.request(world.agentId, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/configmaps/settings`,
        impersonation,
      });
    const inA = await get(nsA);
    expect(inA.statusCode, inA.body.toString()).toBe(200);
    expect(JSON.parse(inA.body.toString())).toMatchObject({ kind: 'ConfigMap', data: { k: 'v' } });
    const inB = await get(nsB);
    expect(inB.statusCode).toBe(403);
    expect(inB.body.toString()).toContain('mooring:user:alice');
  });

  it('sees a removed RoleBinding once the cached answers expire', async () => {
    let now = 0;
    const access = createViewerAccess({
      review: subjectAccessReviewer(requests),
      listNamespaces: namespaceLister(requests),
      now: () => now,
    });
    const target = { agentId: world.agentId, resource: 'pods', namespace: nsA };
    const before = await access.scope(alice, target);
    expect(before.visible(row('web', nsA))).toBe(true);
    await ok(['delete', 'rolebinding', binding, '-n', nsA]);
    // Within the TTL the cached answer stands.
    now = 9_999;
    expect((await access.scope(alice, target)).visible(row('web', nsA))).toBe(true);
    // After it, the cluster is asked again; its authorizer learns of the deletion from its own watch.
    const refused = await until(
      'the SubjectAccessReview to refuse namespace A after its RoleBinding was deleted',
      async () => {
        now += 10_000;
        try {
          await access.scope(alice, target);
          return null;
        } catch (error) {
          return error instanceof ViewerForbiddenError ? error : null;
        }
      },
      30_000,
    );
    expect(refused.message).toContain(`may not list pods in namespace ${nsA}`);
  });
});
