import { ConnectedAgents, noStorageRecorder } from '@mooring/modules/agent_registrar/server/index';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { connectedAgentsLiveSource } from './connected-agents-source';
import type { AgentLiveState, AgentsFeedValue } from './live-router';
import { StreamSampler } from './stream-samples';

const meta = {
  podName: 'agentk-7c9f',
  podNamespace: 'mooring-agent',
  agentVersion: 'v0.1.0',
  agentCommit: 'abc',
  kubernetesVersion: { major: '1', minor: '36', gitVersion: 'v1.36.3', platform: 'linux/amd64' },
};

describe('connectedAgentsLiveSource', () => {
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((s) => s()));

  it('turns the registrar’s pods into live states and publishes every change', async () => {
    const connected = new ConnectedAgents({
      recorder: noStorageRecorder,
      kasReplica: 'kas-0',
      logger: pino({ level: 'silent' }),
      disconnectAfterMs: 20,
    });
    const sampler = new StreamSampler({ now: () => Date.parse('2026-12-02T18:00:00.000Z') });
    const source = connectedAgentsLiveSource({
      connected,
      visibleAgentIds: async () => new Set([7]),
      recentActivity: async () => [],
      streamLimit: 10,
      minIntervalMs: 0,
      sampler,
    });
    stops.push(
      () => source.stop(),
      () => connected.stop(),
    );
    const seen: AgentLiveState[] = [];
    const registry: AgentsFeedValue[] = [];
    const waiters: (() => void)[] = [];
    source.agents.subscribe((e) => {
      if ('registry' in e.value) registry.push(e.value);
      else seen.push(e.value);
      for (const wake of waiters.splice(0)) wake();
    });
    /** Resolves on the first published state matching `match` (an event, not a sleep). */
    const published = async (match: (s: AgentLiveState) => boolean) => {
      while (!seen.some(match)) await new Promise<void>((resolve) => waiters.push(resolve));
      return seen.find(match)!;
    };

    expect(await source.states([7])).toEqual([
      {
        agentId: 7,
        connections: [],
        lastSeenAt: null,
        disconnectReason: null,
        samples: {
          intervalMs: 60_000,
          from: '2026-12-02T18:00:00.000Z',
          kasStartedAt: '2026-12-02T18:00:00.000Z',
          values: [0],
        },
      },
    ]);

    await connected.heartbeat(7, 1, meta);
    connected.tunnelsChanged(7, 1, { idle: 3, active: 1 });
    connected.configSent(7, 1, '4');
    const [state] = await source.states([7]);
    expect(state!.connections).toEqual([
      expect.objectContaining({
        podName: 'agentk-7c9f',
        kubernetesVersion: 'v1.36.3',
        kasReplica: 'kas-0',
        configVersion: 4,
        streams: { active: 1, idle: 3, limit: 10 },
      }),
    ]);
    expect(seen.at(-1)?.connections[0]?.configVersion).toBe(4);
    // The sampler saw the active stream: this minute's peak, served with the state.
    expect(state!.samples.values).toEqual([1]);

    // No tunnel for the disconnect delay: the pod is gone, with the reason the registrar gives.
    connected.tunnelsChanged(7, 1, { idle: 0, active: 0 });
    const after = await published((s) => s.connections.length === 0 && s.disconnectReason !== null);
    expect(after.connections).toEqual([]);
    expect(after.disconnectReason).toMatch(/no tunnel/);
    expect(after.lastSeenAt).not.toBeNull();
    expect(after.samples.values).toEqual([1]);

    // Deleted: announced on the same feed, and its samples are forgotten.
    source.registryChanged({ registry: 'deleted', agentId: 7 });
    expect(registry).toEqual([{ registry: 'deleted', agentId: 7 }]);
    expect(sampler.size).toBe(0);
    expect((await source.states([7]))[0]!.samples.values).toEqual([0]);
  });

  it('adds the pods other replicas hold to snapshots and to published states, newest read winning', async () => {
    const connected = new ConnectedAgents({
      recorder: noStorageRecorder,
      kasReplica: 'kas-b',
      logger: pino({ level: 'silent' }),
    });
    const remote = {
      podId: 41,
      podName: 'agentk-on-a',
      podNamespace: 'mooring-agent',
      agentVersion: 'v0.1.0',
      kubernetesVersion: 'v1.36.3',
      kasReplica: 'kas-a',
      connectedAt: '2026-12-07T23:00:00.000Z',
      lastSeenAt: '2026-12-07T23:59:00.000Z',
      configVersion: 3,
      streams: { active: 0, idle: 0, limit: 10 },
    };
    let elsewhere: (typeof remote)[] = [remote];
    const source = connectedAgentsLiveSource({
      connected,
      visibleAgentIds: async () => new Set([7]),
      recentActivity: async () => [],
      streamLimit: 10,
      minIntervalMs: 0,
      elsewhere: async (ids) => new Map(ids.map((id) => [id, id === 7 ? elsewhere : []])),
    });
    stops.push(
      () => source.stop(),
      () => connected.stop(),
    );
    const seen: AgentLiveState[] = [];
    const waiters: (() => void)[] = [];
    source.agents.subscribe((e) => {
      if (!('registry' in e.value)) seen.push(e.value);
      for (const wake of waiters.splice(0)) wake();
    });
    const published = async (match: (s: AgentLiveState) => boolean) => {
      while (!seen.some(match)) await new Promise<void>((resolve) => waiters.push(resolve));
      return seen.find(match)!;
    };

    const [snapshot] = await source.states([7]);
    expect(snapshot!.connections).toEqual([remote]);
    expect(snapshot!.lastSeenAt).toBe(remote.lastSeenAt);
    expect(snapshot!.disconnectReason).toBeNull();

    // A local pod connects: the published state has both, the local one first.
    await connected.heartbeat(7, 1, meta);
    const both = await published((s) => s.connections.length === 2);
    expect(both.connections.map((c) => c.kasReplica)).toEqual(['kas-b', 'kas-a']);

    // The pod on A went away (its activity arrived): refresh publishes without it.
    elsewhere = [];
    source.refresh(7);
    const localOnly = await published((s) => s.connections.length === 1 && s !== both);
    expect(localOnly.connections.map((c) => c.kasReplica)).toEqual(['kas-b']);
  });
});
