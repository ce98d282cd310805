import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectedAgents, type ConnectedAgentsOptions } from './connected-agents';
import type { AgentConnectionRecorder, AgentPodConnection, AgentPodRef } from './recorder';

/** Records what the registrar would write to the database (the real store is tested in kas). */
function recordingStore() {
  const upserts: AgentPodConnection[] = [];
  const disconnects: Array<AgentPodRef & { reason: string }> = [];
  const recorder: AgentConnectionRecorder = {
    upsertConnection: async (c) => void upserts.push(c),
    markDisconnected: async (pod, reason) => void disconnects.push({ ...pod, reason }),
  };
  return { recorder, upserts, disconnects };
}

/** The registrar's pod table as kas replica "kas-a" keeps it; `options` add or override. */
const connectedAgents = (recorder: AgentConnectionRecorder, options: Partial<ConnectedAgentsOptions> = {}) =>
  new ConnectedAgents({ recorder, kasReplica: 'kas-a', logger: pino({ level: 'silent' }), ...options });

const meta = (podName: string) => ({
  podName,
  podNamespace: 'mooring-system',
  agentVersion: '0.1.0',
  agentCommit: 'abc',
  kubernetesVersion: { major: '1', minor: '36', gitVersion: 'v1.36.3', platform: 'linux/amd64' },
});

describe('ConnectedAgents', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('records each pod with its meta, tunnel counts and kas replica', async () => {
    const store = recordingStore();
    const agents = connectedAgents(store.recorder);
    agents.tunnelsChanged(7, 1, { idle: 2, active: 0 });
    await agents.heartbeat(7, 1, meta('pod-1'));
    await agents.heartbeat(7, 2, meta('pod-2'));
    agents.tunnelsChanged(7, 2, { idle: 1, active: 3 });
    expect(agents.list(7).map((p) => [p.meta?.podName, p.tunnels, p.kasReplica])).toEqual([
      ['pod-1', { idle: 2, active: 0 }, 'kas-a'],
      ['pod-2', { idle: 1, active: 3 }, 'kas-a'],
    ]);
    expect(store.upserts.map((u) => [u.podName, u.kubernetesVersion?.gitVersion])).toEqual([
      ['pod-1', 'v1.36.3'],
      ['pod-2', 'v1.36.3'],
    ]);
    agents.stop();
  });

  it('disconnects a pod only after it has had no tunnel for the grace period', async () => {
    const store = recordingStore();
    const agents = connectedAgents(store.recorder, { disconnectAfterMs: 5_000 });
    await agents.heartbeat(7, 1, meta('pod-1'));
    agents.tunnelsChanged(7, 1, { idle: 2, active: 0 });
    agents.tunnelsChanged(7, 1, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(4_000);
    agents.tunnelsChanged(7, 1, { idle: 1, active: 0 }); // agentk re-opened in time
    await vi.advanceTimersByTimeAsync(10_000);
    expect(store.disconnects).toEqual([]);
    agents.tunnelsChanged(7, 1, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.disconnects).toEqual([
      { agentId: 7, podId: 1, podName: 'pod-1', podNamespace: 'mooring-system', reason: 'no tunnel for 5 s' },
    ]);
    expect(agents.list(7)).toEqual([]);
    expect(agents.lastDisconnect(7)?.reason).toBe('no tunnel for 5 s');
    agents.stop();
  });

  it('tells listeners about every change and carries a noted reason into the disconnect', async () => {
    const store = recordingStore();
    const agents = connectedAgents(store.recorder, { disconnectAfterMs: 100 });
    const changes: number[] = [];
    agents.onChange((agentId) => changes.push(agentId));
    await agents.heartbeat(8, 1, meta('pod-1'));
    agents.tunnelsChanged(8, 1, { idle: 2, active: 0 });
    agents.configSent(8, 1, '3');
    expect(agents.list(8)[0]?.configVersion).toBe('3');
    agents.noteDisconnectReason(8, 'token 80 was revoked');
    agents.tunnelsChanged(8, 1, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(100);
    expect(store.disconnects.map((d) => d.reason)).toEqual(['token 80 was revoked']);
    expect(agents.lastDisconnect(8)?.reason).toBe('token 80 was revoked');
    expect(changes.length).toBeGreaterThanOrEqual(5);
    expect(new Set(changes)).toEqual(new Set([8]));
    agents.stop();
  });

  it('forgets a deleted agent once its pods are gone, and at once when it has none', async () => {
    const store = recordingStore();
    const agents = connectedAgents(store.recorder, { disconnectAfterMs: 100 });
    await agents.heartbeat(9, 1, meta('pod-1'));
    agents.tunnelsChanged(9, 1, { idle: 2, active: 0 });
    agents.agentDeleted(9, 'agent 9 was deleted');
    agents.tunnelsChanged(9, 1, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(100);
    expect(store.disconnects.map((d) => d.reason)).toEqual(['agent 9 was deleted']);
    expect(agents.lastDisconnect(9)).toBeNull();
    expect(agents.list(9)).toEqual([]);

    await agents.heartbeat(10, 1, meta('pod-1'));
    agents.tunnelsChanged(10, 1, { idle: 1, active: 0 });
    agents.tunnelsChanged(10, 1, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(100);
    expect(agents.lastDisconnect(10)?.reason).toBe('no tunnel for 0.1 s');
    agents.agentDeleted(10, 'agent 10 was deleted');
    expect(agents.lastDisconnect(10)).toBeNull();
    // No reason is left waiting for a pod that will never come.
    await agents.heartbeat(10, 2, meta('pod-2'));
    agents.tunnelsChanged(10, 2, { idle: 1, active: 0 });
    agents.tunnelsChanged(10, 2, { idle: 0, active: 0 });
    await vi.advanceTimersByTimeAsync(100);
    expect(store.disconnects.at(-1)?.reason).toBe('no tunnel for 0.1 s');
    agents.stop();
  });

  it('keeps the latest last-seen time per agent', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const agents = connectedAgents(recordingStore().recorder, { now: () => now });
    await agents.heartbeat(3, 1, meta('a'));
    now = new Date('2026-01-01T00:03:00Z');
    await agents.heartbeat(3, 2, meta('b'));
    expect(agents.lastSeen(3)?.toISOString()).toBe('2026-01-01T00:03:00.000Z');
    expect(agents.lastSeen(4)).toBeNull();
    agents.stop();
  });

  it('a stopping kas marks its registered pods disconnected and ignores later events', async () => {
    const store = recordingStore();
    const agents = connectedAgents(store.recorder);
    await agents.heartbeat(7, 1, meta('pod-1'));
    agents.tunnelsChanged(7, 1, { idle: 2, active: 0 });
    agents.tunnelsChanged(9, 3, { idle: 1, active: 0 }); // tunnels only, never registered: no record to close
    await agents.stop('kas stopped');
    expect(store.disconnects).toEqual([
      { agentId: 7, podId: 1, podName: 'pod-1', podNamespace: 'mooring-system', reason: 'kas stopped' },
    ]);
    agents.tunnelsChanged(7, 1, { idle: 0, active: 0 });
    await agents.heartbeat(7, 2, meta('pod-2'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.upserts.map((u) => u.podName)).toEqual(['pod-1']);
    expect(store.disconnects).toHaveLength(1);
  });
});
