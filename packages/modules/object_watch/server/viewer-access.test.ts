import { describe, expect, it } from 'vitest';
import { testCaller } from '../../kubernetes_api/shared/testing/authorized-caller';
import type { ObjectRow } from '../shared/watch-api';
import {
  createViewerAccess,
  ViewerForbiddenError,
  type ResourceAttributes,
  type SubjectAccessReviewer,
} from './viewer-access';

const asUser = testCaller({
  agentId: 7,
  accessAs: { user: {} },
  projects: [{ id: 3, roles: ['developer'] }],
});
const asAgent = testCaller({ agentId: 7 });

const row = (name: string, namespace?: string): ObjectRow => ({
  uid: `uid-${namespace ?? ''}-${name}`,
  name,
  ...(namespace !== undefined && { namespace }),
  resourceVersion: '1',
  createdAt: '2026-12-03T00:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: {},
});

/**
 * A stand-in for the API server's authorizer: `rules` are "verb group/resource namespace" strings ('*' for every
 * namespace, a name after '=' for one object), editable while a test runs; every review is recorded.
 */
function authorizer(rules: Set<string>) {
  const asked: ResourceAttributes[] = [];
  const review: SubjectAccessReviewer = async (_agentId, user, a) => {
    asked.push(a);
    expect(user.username).toBe('mooring:user:alice');
    const resource = `${a.group}/${a.resource}`;
    const allowed =
      rules.has(`${a.verb} ${resource} *`) ||
      (a.namespace !== undefined && rules.has(`${a.verb} ${resource} ${a.namespace}`)) ||
      (a.name !== undefined && rules.has(`${a.verb} ${resource} =${a.name}`));
    return { allowed, reason: allowed ? 'RBAC: allowed' : '' };
  };
  return { review, asked };
}

function world(rules: string[], namespaces = ['team-a', 'team-b', 'kube-system']) {
  let now = 1_000_000;
  const granted = new Set(rules);
  const { review, asked } = authorizer(granted);
  let lists = 0;
  const access = createViewerAccess({
    review,
    listNamespaces: async () => {
      lists++;
      return namespaces;
    },
    now: () => now,
  });
  return {
    access,
    asked,
    granted,
    lists: () => lists,
    advance: (ms: number) => (now += ms),
  };
}

describe('viewer access', () => {
  it('with access_as agent, every viewer sees every row as the agent, and no review is made', async () => {
    const w = world([]);
    const scope = await w.access.scope(asAgent, { agentId: 7, resource: 'pods' });
    expect(scope).toMatchObject({ actsAsAgent: true, all: true });
    expect(scope.visible(row('web', 'team-b'))).toBe(true);
    expect(w.asked).toEqual([]);
  });

  it('with access_as user and a RoleBinding in one namespace, rows of that namespace only', async () => {
    const w = world(['list /pods team-a']);
    const scope = await w.access.scope(asUser, { agentId: 7, resource: 'pods' });
    expect(scope).toMatchObject({ actsAsAgent: false, all: false });
    expect([...scope.namespaces]).toEqual(['team-a']);
    expect(scope.visible(row('web', 'team-a'))).toBe(true);
    expect(scope.visible(row('web', 'team-b'))).toBe(false);
    expect(scope.visible(row('a-cluster-scoped-one'))).toBe(false);
    // First the cluster-wide list, then one review per namespace.
    expect(w.asked[0]).toEqual({ verb: 'list', group: '', resource: 'pods' });
    expect(w.asked).toHaveLength(4);
  });

  it('asks with the group of the resource and refuses a namespace the viewer may not list, saying how to get it', async () => {
    const w = world(['list apps/deployments team-a']);
    const a = await w.access.scope(asUser, { agentId: 7, resource: 'deployments', namespace: 'team-a' });
    expect(a.visible(row('web', 'team-a'))).toBe(true);
    expect(w.asked).toEqual([{ verb: 'list', group: 'apps', resource: 'deployments', namespace: 'team-a' }]);
    const refused = w.access.scope(asUser, {
      agentId: 7,
      resource: 'apps/v1/deployments',
      namespace: 'team-b',
    });
    await expect(refused).rejects.toThrow(ViewerForbiddenError);
    await expect(refused).rejects.toThrow(
      /mooring:user:alice \(access_as: user\) may not list apps\/v1\/deployments in namespace team-b; ask a cluster admin for a RoleBinding/,
    );
  });

  it('cluster-wide list shows every row, cluster-scoped ones included; without it a cluster-scoped resource is refused', async () => {
    const w = world(['list /nodes *']);
    const nodes = await w.access.scope(asUser, { agentId: 7, resource: 'nodes' });
    expect(nodes.all).toBe(true);
    expect(nodes.visible(row('node-1'))).toBe(true);
    await expect(w.access.scope(asUser, { agentId: 7, resource: 'persistentvolumes' })).rejects.toThrow(
      /may not list persistentvolumes in any namespace/,
    );
  });

  it('sees namespace N when it may get namespace N or list pods or deployments in N', async () => {
    const w = world(['get /namespaces =team-a', 'list apps/deployments team-b']);
    const scope = await w.access.scope(asUser, { agentId: 7, resource: 'namespaces' });
    expect([...scope.namespaces].sort()).toEqual(['team-a', 'team-b']);
    expect(scope.visible(row('team-a'))).toBe(true);
    expect(scope.visible(row('team-b'))).toBe(true);
    expect(scope.visible(row('kube-system'))).toBe(false);
    const none = world([]);
    await expect(none.access.scope(asUser, { agentId: 7, resource: 'namespaces' })).rejects.toThrow(
      /may not see any namespace/,
    );
  });

  it('keeps answers for 10 s on the injected clock, then asks again and tells what was lost', async () => {
    const w = world(['list /pods team-a', 'list /pods team-b']);
    const target = { agentId: 7, resource: 'pods' };
    const before = await w.access.scope(asUser, target);
    expect([...before.namespaces].sort()).toEqual(['team-a', 'team-b']);
    const asked = w.asked.length;

    w.granted.delete('list /pods team-b'); // the RoleBinding in team-b is removed
    w.advance(9_999);
    const cached = await w.access.scope(asUser, target);
    expect(w.asked).toHaveLength(asked);
    expect(w.lists()).toBe(1);
    expect(w.access.lost(before, cached, target)).toBeNull();
    expect(w.access.stats().hits).toBe(asked);

    w.advance(1);
    const after = await w.access.scope(asUser, target);
    expect(w.asked).toHaveLength(asked * 2);
    expect(w.lists()).toBe(2);
    expect([...after.namespaces]).toEqual(['team-a']);
    expect(w.access.lost(before, after, target)).toMatch(
      /you may no longer list pods in namespace team-b \(a RoleBinding was removed or changed\)/,
    );
    expect(w.access.gained(after, before)).toBe(true);
    expect(w.access.gained(before, after)).toBe(false);
  });

  it('never keeps an answer longer than 10 s, whatever the TTL asked for', async () => {
    let now = 0;
    const { review, asked } = authorizer(new Set(['list /pods *']));
    const access = createViewerAccess({
      review,
      listNamespaces: async () => [],
      now: () => now,
      ttlMs: 60_000,
    });
    await access.scope(asUser, { agentId: 7, resource: 'pods' });
    now = 10_000;
    await access.scope(asUser, { agentId: 7, resource: 'pods' });
    expect(asked).toHaveLength(2);
  });

  it('does not keep a failed review: the next check asks again', async () => {
    let fail = true;
    let calls = 0;
    const access = createViewerAccess({
      review: async () => {
        calls++;
        if (fail) throw new Error('agent 7 has no connection');
        return { allowed: true, reason: '' };
      },
      listNamespaces: async () => [],
      now: () => 0,
    });
    await expect(access.scope(asUser, { agentId: 7, resource: 'pods' })).rejects.toThrow(/no connection/);
    fail = false;
    expect((await access.scope(asUser, { agentId: 7, resource: 'pods' })).all).toBe(true);
    expect(calls).toBe(2);
  });

  it('refuses an all-namespaces check of a cluster with more namespaces than it checks one by one', async () => {
    const many = Array.from({ length: 11 }, (_, i) => `ns-${i}`);
    const { review } = authorizer(new Set());
    const access = createViewerAccess({ review, listNamespaces: async () => many, maxNamespaces: 10 });
    await expect(access.scope(asUser, { agentId: 7, resource: 'pods' })).rejects.toThrow(
      /11 namespaces, more than the 10 kas checks one by one .* choose a namespace/,
    );
  });

  it('refuses secrets and names that are not resources', async () => {
    const w = world(['list /secrets *']);
    await expect(w.access.scope(asUser, { agentId: 7, resource: 'secrets' })).rejects.toThrow(
      /never watched/,
    );
    await expect(w.access.scope(asUser, { agentId: 7, resource: 'apps/deployments' })).rejects.toThrow(
      /names no version/,
    );
  });
});
