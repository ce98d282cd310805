import { describe, expect, it } from 'vitest';
import { projectRow } from './rows';
import type { ResourceRef } from './resources';
import { objectRowSchema } from './watch-api';

const ref = (group: string, resource: string, version = 'v1'): ResourceRef => ({ group, version, resource });
const meta = (extra: Record<string, unknown> = {}) => ({
  uid: 'uid-1',
  name: 'web-1',
  namespace: 'shop',
  resourceVersion: '42',
  creationTimestamp: '2026-12-03T07:00:00Z',
  labels: { app: 'web' },
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(100_000) },
  managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
  ownerReferences: [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true },
  ],
  ...extra,
});

const row = (r: ResourceRef, o: unknown) => {
  const projected = projectRow(r, o);
  if (!projected) throw new Error('no row');
  // Every row the projection makes passes the wire schema.
  objectRowSchema.parse(projected);
  return projected;
};

describe('projectRow', () => {
  it('keeps identity, labels and owners; drops managedFields, annotations and the spec', () => {
    const pod = row(ref('', 'pods'), {
      metadata: meta(),
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'a', env: [{ name: 'SECRET', value: 'x' }] }, { name: 'b' }],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.5',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    });
    expect(pod).toEqual({
      uid: 'uid-1',
      name: 'web-1',
      namespace: 'shop',
      resourceVersion: '42',
      createdAt: '2026-12-03T07:00:00Z',
      labels: { app: 'web' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true },
      ],
      columns: {
        phase: 'Running',
        ready: '1/2',
        restarts: 3,
        node: 'node-1',
        podIP: '10.0.0.5',
        reason: 'CrashLoopBackOff',
      },
    });
    expect(JSON.stringify(pod)).not.toMatch(/managedFields|last-applied|SECRET/);
    expect(Buffer.byteLength(JSON.stringify(pod))).toBeLessThan(512);
  });

  it('says Terminating for a pod being deleted', () => {
    const pod = row(ref('', 'pods'), {
      metadata: meta({ deletionTimestamp: '2026-12-03T07:01:00Z' }),
      spec: { containers: [{}] },
      status: { phase: 'Running' },
    });
    expect(pod.columns['reason']).toBe('Terminating');
  });

  it('projects the workloads', () => {
    const status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    expect(
      row(ref('apps', 'deployments'), { metadata: meta(), spec: { replicas: 3 }, status }).columns,
    ).toEqual({
      desired: 3,
      ready: 2,
      updated: 3,
      available: 2,
    });
    expect(
      row(ref('apps', 'statefulsets'), { metadata: meta(), spec: { replicas: 1 }, status: {} }).columns,
    ).toEqual({ desired: 1, ready: 0, updated: 0, available: 0 });
    expect(
      row(ref('apps', 'daemonsets'), {
        metadata: meta(),
        status: { desiredNumberScheduled: 4, numberReady: 3, updatedNumberScheduled: 4, numberAvailable: 3 },
      }).columns,
    ).toEqual({ desired: 4, ready: 3, updated: 4, available: 3 });
    expect(
      row(ref('batch', 'jobs'), {
        metadata: meta(),
        spec: { completions: 5 },
        status: { succeeded: 2, active: 1 },
      }).columns,
    ).toEqual({ completions: 5, succeeded: 2, failed: 0, active: 1 });
    expect(
      row(ref('batch', 'cronjobs'), {
        metadata: meta(),
        spec: { schedule: '*/5 * * * *' },
        status: { lastScheduleTime: '2026-12-03T07:00:00Z' },
      }).columns,
    ).toEqual({ schedule: '*/5 * * * *', suspend: false, lastSchedule: '2026-12-03T07:00:00Z' });
  });

  it('projects services, ingresses, events, nodes, namespaces, PVCs and endpointslices', () => {
    expect(
      row(ref('', 'services'), {
        metadata: meta(),
        spec: {
          type: 'ClusterIP',
          clusterIP: '10.96.0.1',
          ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }],
        },
      }).columns,
    ).toEqual({ type: 'ClusterIP', clusterIP: '10.96.0.1', ports: '80/TCP,53/UDP' });
    expect(
      row(ref('networking.k8s.io', 'ingresses'), {
        metadata: meta(),
        spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example' }, { host: 'b.example' }] },
      }).columns,
    ).toEqual({ hosts: 'a.example,b.example', class: 'nginx' });
    const event = row(ref('', 'events'), {
      metadata: meta(),
      type: 'Warning',
      reason: 'BackOff',
      message: 'm'.repeat(5000),
      involvedObject: { kind: 'Pod', name: 'web-1', uid: 'uid-1' },
      count: 7,
      lastTimestamp: '2026-12-03T07:02:00Z',
    });
    expect(event.columns).toMatchObject({
      type: 'Warning',
      involvedKind: 'Pod',
      involvedUid: 'uid-1',
      count: 7,
    });
    expect((event.columns['message'] as string).length).toBe(256);
    expect(
      row(ref('', 'nodes'), {
        metadata: meta({ namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '' } }),
        status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.36.3' } },
      }),
    ).toMatchObject({ columns: { ready: 'True', roles: 'control-plane', kubeletVersion: 'v1.36.3' } });
    expect(row(ref('', 'namespaces'), { metadata: meta(), status: { phase: 'Active' } }).columns).toEqual({
      phase: 'Active',
    });
    expect(
      row(ref('', 'persistentvolumeclaims'), {
        metadata: meta(),
        spec: { storageClassName: 'standard' },
        status: { phase: 'Bound', capacity: { storage: '1Gi' } },
      }).columns,
    ).toEqual({ phase: 'Bound', capacity: '1Gi', storageClass: 'standard' });
    expect(
      row(ref('discovery.k8s.io', 'endpointslices'), {
        metadata: meta({ labels: { 'kubernetes.io/service-name': 'web' } }),
        endpoints: [{ conditions: { ready: true } }, { conditions: { ready: false } }, {}],
      }).columns,
    ).toEqual({ service: 'web', readyEndpoints: 2 });
  });

  it('gives a ConfigMap (metadata only) no columns and a CRD its Ready condition', () => {
    expect(row(ref('', 'configmaps'), { metadata: meta(), data: { password: 'x' } }).columns).toEqual({});
    expect(
      row(ref('cert-manager.io', 'certificates'), {
        metadata: meta(),
        status: { conditions: [{ type: 'Ready', status: 'False' }] },
      }).columns,
    ).toEqual({ ready: 'False' });
    expect(row(ref('example.com', 'widgets'), { metadata: meta(), status: 'odd' }).columns).toEqual({});
  });

  it('bounds what an object can make it keep', () => {
    const labels = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(100)]));
    const owners = Array.from({ length: 100 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'X',
      name: `o${i}`,
      uid: `${i}`,
    }));
    const big = row(ref('', 'namespaces'), {
      metadata: meta({ labels, ownerReferences: owners }),
      status: { phase: 'p'.repeat(10_000) },
    });
    expect(Object.keys(big.labels)).toHaveLength(64);
    expect(big.ownerReferences).toHaveLength(10);
    expect((big.columns['phase'] as string).length).toBe(40);
  });

  it('makes no row of an object without uid or name', () => {
    expect(projectRow(ref('', 'pods'), { metadata: { name: 'x' } })).toBeNull();
    expect(projectRow(ref('', 'pods'), null)).toBeNull();
    expect(projectRow(ref('', 'pods'), [1, 2])).toBeNull();
  });
});
