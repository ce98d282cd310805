import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../shared/watch-api';
import { summaryBuilder, SUMMARY_LIST_MAX } from './objects-summary';

const NOW = Date.parse('2026-12-03T08:00:00Z');

const row = (name: string, columns: ObjectRow['columns'], namespace = 'team-a'): ObjectRow => ({
  uid: `uid-${name}`,
  name,
  namespace,
  resourceVersion: '1',
  createdAt: '2026-12-03T00:00:00Z',
  labels: {},
  ownerReferences: [],
  columns,
});

describe('objects summary', () => {
  it('counts pods by phase, workloads below their desired replicas and warnings of the last hour', () => {
    const s = summaryBuilder(NOW);
    s.add('pods', row('a', { phase: 'Running' }));
    s.add('pods', row('b', { phase: 'Running' }));
    s.add('pods', row('c', { phase: 'Pending' }));
    s.add('pods', row('d', {}));
    s.add('deployments', row('web', { desired: 3, ready: 2 }));
    s.add('deployments', row('api', { desired: 2, ready: 2 }));
    s.add('deployments', row('default-one', { desired: null, ready: 0 }));
    s.add('statefulsets', row('db', { desired: 0, ready: 0 }));
    s.add('daemonsets', row('agent', { desired: 4, ready: 3 }));
    s.add('events', row('e1', { type: 'Warning', reason: 'BackOff', lastTimestamp: '2026-12-03T07:30:00Z' }));
    s.add('events', row('e2', { type: 'Warning', reason: 'Old', lastTimestamp: '2026-12-03T06:59:59Z' }));
    s.add('events', row('e3', { type: 'Normal', reason: 'Pulled', lastTimestamp: '2026-12-03T07:59:00Z' }));
    s.add('events', row('e4', { type: 'Warning', reason: 'NoTime', lastTimestamp: null }));
    const r = s.result();
    expect(r.pods).toEqual({ total: 4, byPhase: { Running: 2, Pending: 1, Unknown: 1 } });
    expect(r.workloadsNotReady.total).toBe(3);
    expect(r.workloadsNotReady.items.map((w) => `${w.kind}/${w.name} ${w.ready}/${w.desired}`)).toEqual([
      'Deployment/web 2/3',
      'Deployment/default-one 0/1',
      'DaemonSet/agent 3/4',
    ]);
    expect(r.warningEvents.lastHour).toBe(1);
    expect(r.warningEvents.newest).toMatchObject([{ reason: 'BackOff', namespace: 'team-a', count: 1 }]);
  });

  it('keeps at most SUMMARY_LIST_MAX items, the newest warnings first, however many rows pass', () => {
    const s = summaryBuilder(NOW);
    for (let i = 0; i < 100; i++) {
      s.add('deployments', row(`d${i}`, { desired: 1, ready: 0 }));
      const minute = String(i % 60).padStart(2, '0');
      s.add('events', row(`e${i}`, { type: 'Warning', lastTimestamp: `2026-12-03T07:${minute}:30Z` }));
    }
    const r = s.result();
    expect(r.workloadsNotReady).toMatchObject({ total: 100 });
    expect(r.workloadsNotReady.items).toHaveLength(SUMMARY_LIST_MAX);
    expect(r.warningEvents.lastHour).toBe(100);
    expect(r.warningEvents.newest).toHaveLength(SUMMARY_LIST_MAX);
    expect(r.warningEvents.newest[0]!.lastTimestamp).toBe('2026-12-03T07:59:30Z');
  });
});
