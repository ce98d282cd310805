import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { describe, expect, it } from 'vitest';

import { eventsOf, ownedBy, selectedBy } from './children';
import { conditionsOf, statusInWords } from './status-words';

const row = (name: string, extra: Partial<ObjectRow> = {}): ObjectRow => ({
  uid: `uid-${name}`,
  name,
  namespace: 'ns',
  resourceVersion: '1',
  createdAt: '2026-12-03T10:00:00Z',
  labels: {},
  ownerReferences: [],
  columns: {},
  ...extra,
});

describe('statusInWords', () => {
  it('says how many replicas are available and why the others are not', () => {
    const deployment = { spec: { replicas: 3 }, status: { availableReplicas: 2, updatedReplicas: 3 } };
    const pods = [
      row('a', { columns: { phase: 'Running', reason: null } }),
      row('b', { columns: { phase: 'Running', reason: 'CrashLoopBackOff' } }),
    ];
    expect(statusInWords('Deployment', deployment, pods)).toEqual({
      tone: 'warn',
      text: 'Ready: 2 of 3 replicas available — 1 pod is CrashLoopBackOff',
    });
  });

  it('names a pod container that is waiting, with its restarts', () => {
    const pod = {
      spec: { containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    expect(statusInWords('Pod', pod)).toEqual({
      tone: 'bad',
      text: 'Running: 0 of 1 container ready — app is CrashLoopBackOff (restarted 4 times)',
    });
  });

  it('tells a complete job from a failed one', () => {
    expect(
      statusInWords('Job', {
        spec: { completions: 1 },
        status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
      }).text,
    ).toBe('Complete: 1 of 1 succeeded');
    expect(
      statusInWords('Job', {
        status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      }).tone,
    ).toBe('bad');
  });

  it('reads node pressure as bad news and Ready as good', () => {
    const node = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'DiskPressure', status: 'True' },
        ],
      },
    };
    expect(statusInWords('Node', node)).toEqual({ tone: 'bad', text: 'Ready — DiskPressure' });
    expect(conditionsOf(node).map((c) => c.tone)).toEqual(['ok', 'bad']);
  });
});

describe('children', () => {
  it('finds rows owned by any of the uids, newest first', () => {
    const rows = [
      row('old', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }] }),
      row('new', {
        createdAt: '2026-12-03T11:00:00Z',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }],
      }),
      row('other'),
    ];
    expect(ownedBy(rows, new Set(['u1'])).map((r) => r.name)).toEqual(['new', 'old']);
  });

  it('selects pods by every label of the selector, none for an empty one', () => {
    const rows = [row('a', { labels: { app: 'web', tier: 'x' } }), row('b', { labels: { app: 'db' } })];
    expect(selectedBy(rows, { app: 'web' }).map((r) => r.name)).toEqual(['a']);
    expect(selectedBy(rows, {})).toEqual([]);
  });

  it('lists an object’s events warnings first, newest first', () => {
    const rows = [
      row('e1', { columns: { involvedUid: 'u', type: 'Normal', lastTimestamp: '2026-12-03T12:00:00Z' } }),
      row('e2', { columns: { involvedUid: 'u', type: 'Warning', lastTimestamp: '2026-12-03T10:00:00Z' } }),
      row('e3', { columns: { involvedUid: 'u', type: 'Normal', lastTimestamp: '2026-12-03T13:00:00Z' } }),
      row('e4', { columns: { involvedUid: 'x', type: 'Warning' } }),
    ];
    expect(
      eventsOf(rows, { uid: 'u', kind: 'Pod', name: 'p', clusterScoped: false }).map((r) => r.name),
    ).toEqual(['e2', 'e3', 'e1']);
  });

  it('matches a namespaced object’s events by uid only, a node’s by name too', () => {
    const rows = [row('old', { columns: { involvedUid: 'gone', involvedKind: 'Pod', involvedName: 'p' } })];
    expect(eventsOf(rows, { uid: 'u', kind: 'Pod', name: 'p', clusterScoped: false })).toEqual([]);
    const node = [
      row('n', { columns: { involvedUid: 'node-1', involvedKind: 'Node', involvedName: 'node-1' } }),
    ];
    expect(eventsOf(node, { uid: 'x', kind: 'Node', name: 'node-1', clusterScoped: true })).toHaveLength(1);
  });
});
