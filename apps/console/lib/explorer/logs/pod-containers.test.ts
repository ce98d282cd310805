import { describe, expect, it } from 'vitest';

import { defaultContainer, notReadyMessage, podInfo, stillRunning } from './pod-containers';

const pod = (state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'web-1', annotations: { 'kubectl.kubernetes.io/default-container': 'app' }, ...extra },
  spec: { containers: [{ name: 'sidecar' }, { name: 'app' }], initContainers: [{ name: 'migrate' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', state, restartCount: 0 },
      { name: 'sidecar', state: { running: {} }, restartCount: 2 },
    ],
    initContainerStatuses: [{ name: 'migrate', state: { terminated: { reason: 'Completed' } } }],
  },
});

describe('pod containers', () => {
  it('lists containers with their state and opens on the annotated default', () => {
    const object = pod({ running: {} });
    const info = podInfo(object);
    expect(info.containers.map((c) => [c.name, c.kind, c.state, c.restarts])).toEqual([
      ['sidecar', 'container', 'running', 2],
      ['app', 'container', 'running', 0],
      ['migrate', 'init', 'terminated', 0],
    ]);
    expect(defaultContainer(object, info)).toBe('app');
    expect(notReadyMessage(info, 'app')).toBeNull();
    expect(stillRunning(info, 'app')).toBe(true);
  });

  it('says a waiting container has no log yet, and a deleted pod is not followed again', () => {
    const info = podInfo(pod({ waiting: { reason: 'ContainerCreating' } }));
    expect(notReadyMessage(info, 'app')).toBe(
      'container is waiting: ContainerCreating — logs appear once it starts',
    );
    expect(notReadyMessage(info, 'nope')).toMatch(
      /has no container “nope”; pick one of: sidecar, app, migrate/,
    );
    expect(
      stillRunning(podInfo(pod({ running: {} }, { deletionTimestamp: '2026-12-03T00:00:00Z' })), 'app'),
    ).toBe(false);
  });
});
