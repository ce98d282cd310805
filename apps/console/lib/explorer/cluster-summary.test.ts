import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';

import { summaryItems, summaryProblem, type ClusterSummaryData } from './cluster-summary';

const base: ClusterSummaryData = {
  actsAsAgent: false,
  pods: { total: 0, byPhase: {} },
  workloadsNotReady: { total: 0, items: [] },
  warningEvents: { lastHour: 0, newest: [] },
  unavailable: [],
};

const texts = (data: ClusterSummaryData) => summaryItems(data).map((i) => i.text);

describe('summaryItems', () => {
  it('says an empty cluster is empty and healthy, in words', () => {
    expect(texts(base)).toEqual(['0 pods', '0 workloads not ready', '0 warnings in the last hour']);
    expect(summaryItems(base).map((i) => i.short)).toEqual(['0 pods', '0 not ready', '0 warnings']);
    // A row's link names start with the words it shows.
    expect(summaryItems(base).map((i) => i.name)).toEqual([
      '0 pods',
      '0 not ready: 0 workloads not ready',
      '0 warnings in the last hour',
    ]);
    expect(summaryItems(base).map((i) => [i.tone, i.view])).toEqual([
      ['muted', 'pods'],
      ['ok', 'workloads'],
      ['ok', 'events'],
    ]);
  });

  it('lists phases running first, with a tone each, and what is not ready and the warnings in detail', () => {
    const items = summaryItems({
      ...base,
      pods: { total: 7, byPhase: { Succeeded: 1, Pending: 2, Running: 3, Failed: 1, Weird: 0 } },
      workloadsNotReady: {
        total: 6,
        items: [1, 2, 3, 4, 5, 6].map((n) => ({
          kind: 'Deployment',
          namespace: 'web',
          name: `app-${n}`,
          ready: 0,
          desired: 1,
        })),
      },
      warningEvents: {
        lastHour: 1,
        newest: [
          {
            namespace: 'web',
            reason: 'BackOff',
            message: 'Back-off restarting failed container',
            involvedKind: 'Pod',
            involvedName: 'app-1-abc',
            count: 3,
            lastTimestamp: '2026-12-07T23:00:00Z',
          },
        ],
      },
    });
    expect(items.map((i) => `${i.tone}:${i.text}`)).toEqual([
      'muted:7 pods',
      'ok:3 Running',
      'warn:2 Pending',
      'bad:1 Failed',
      'ok:1 Succeeded',
      'warn:6 workloads not ready',
      'warn:1 warning in the last hour',
    ]);
    const workloads = items.find((i) => i.key === 'workloads')!;
    expect(workloads.detail).toContain('Deployment web/app-1: 0/1 ready');
    expect(workloads.detail).toContain('and 1 more');
    expect(workloads.detail).not.toContain('app-6');
    expect(items.find((i) => i.key === 'warnings')!.detail).toBe(
      'BackOff on Pod web/app-1-abc: Back-off restarting failed container',
    );
  });

  it('says what was not counted and why, instead of a zero', () => {
    const items = summaryItems({
      ...base,
      unavailable: [
        { resource: 'pods', message: 'you may not list pods in any namespace' },
        { resource: 'apps/v1/daemonsets', message: 'apps/v1/daemonsets is not watched by this agent' },
      ],
    });
    expect(items.map((i) => i.text)).toEqual([
      'pods not counted',
      '0 workloads not ready (some not counted)',
      '0 warnings in the last hour',
    ]);
    expect(items[0]!.detail).toBe('pods: you may not list pods in any namespace');
    expect(items[1]!.detail).toContain('Not counted:\napps/v1/daemonsets: apps/v1/daemonsets is not watched');
  });

  it('is one badge with every reason when nothing could be counted', () => {
    const resources = ['pods', 'apps/v1/deployments', 'apps/v1/statefulsets', 'apps/v1/daemonsets', 'events'];
    const items = summaryItems({
      ...base,
      unavailable: resources.map((resource) => ({
        resource,
        message: `${resource} is not watched by this agent; add it to object_watch.resources in the agent's configuration`,
      })),
    });
    expect(items).toHaveLength(1);
    expect(items[0]!.text).toBe('nothing counted');
    expect(items[0]!.detail?.split('\n')).toHaveLength(5);
    expect(items[0]!.detail).toContain('add it to object_watch.resources');
  });
});

describe('summaryProblem', () => {
  const kasError = (httpStatus: number, message: string) =>
    new TRPCClientError(message, { result: { error: { message, code: -32600, data: { httpStatus } } } });

  it("names the problem shortly and keeps kas's words, which say what to do", () => {
    const notShared = summaryProblem(kasError(404, 'agent 7 does not exist or is not shared with you: …'));
    expect(notShared).toEqual({
      text: 'Objects not shared with you',
      detail: 'agent 7 does not exist or is not shared with you: …',
    });
    expect(summaryProblem(kasError(503, 'this kas runs without the object_watch module')).text).toBe(
      'Cannot count now',
    );
    expect(summaryProblem(new Error('boom'))).toEqual({ text: 'Could not count', detail: 'boom' });
  });
});
