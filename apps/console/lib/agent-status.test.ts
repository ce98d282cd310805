import { describe, expect, it } from 'vitest';

import { agentStatus, streamTotals, versionView, type ConnectionLike } from './agent-status';

const pod = (over: Partial<ConnectionLike> = {}): ConnectionLike => ({
  podName: 'agentk-7c9f',
  agentVersion: 'v0.1.0',
  kubernetesVersion: 'v1.36.3',
  kasReplica: 'kas-1',
  connectedAt: '2026-11-25T10:00:00Z',
  streams: { active: 1, idle: 3, limit: 10 },
  ...over,
});
const now = Date.parse('2026-11-25T12:00:00Z');

describe('agentStatus', () => {
  it('says connected with the pods and kas replica', () => {
    const s = agentStatus(
      {
        name: 'a',
        live: { lastSeenAt: '2026-11-25T12:00:00Z', connections: [pod()], disconnectReason: null },
      },
      now,
    );
    expect(s).toMatchObject({ kind: 'connected', label: 'Connected' });
    expect(s.reason).toContain('agentk-7c9f');
    expect(s.reason).toContain('kas-1');
  });

  it('says for how long an agent has been gone, and why when kas knows', () => {
    const s = agentStatus(
      {
        name: 'a',
        live: { lastSeenAt: '2026-11-25T11:48:00Z', connections: [], disconnectReason: 'token ci revoked' },
      },
      now,
    );
    expect(s.label).toBe('Not connected for 12 min');
    // Separate sentences: kas's reason is a clause without a full stop.
    expect(s.reason).toBe('Last seen 12 min ago. Token ci revoked.');
  });

  it('says the state is unknown only when kas answered an error for live.agents', () => {
    const s = agentStatus(
      { name: 'a', live: null, liveError: 'No procedure found on path "live.agents"' },
      now,
    );
    expect(s).toMatchObject({ kind: 'unknown', label: 'Unknown' });
    expect(s.reason).toContain('No procedure found');
  });

  it('is checking, not unknown, while kas has not answered yet', () => {
    const s = agentStatus({ name: 'a', live: null, liveError: null }, now);
    expect(s).toMatchObject({ kind: 'checking', label: 'Checking connection…' });
    expect(s.reason).not.toMatch(/does not report/);
  });

  it('tells a never-connected agent what to do', () => {
    const s = agentStatus(
      { name: 'prod', live: { lastSeenAt: null, connections: [], disconnectReason: null } },
      now,
    );
    expect(s.kind).toBe('never');
    expect(s.reason).toContain('create a token');
  });

  it("points a receptive agent without a connection at kas's dial-out, not at starting agentk", () => {
    const never = agentStatus(
      { name: 'edge', receptive: true, live: { lastSeenAt: null, connections: [], disconnectReason: null } },
      now,
    );
    expect(never.reason).toContain('Receptive tab');
    expect(never.reason).not.toContain('create a token');
    const gone = agentStatus(
      {
        name: 'edge',
        receptive: true,
        live: { lastSeenAt: new Date(now - 60_000).toISOString(), connections: [], disconnectReason: null },
      },
      now,
    );
    expect(gone.kind).toBe('disconnected');
    expect(gone.reason).toContain('dial-out state');
  });
});

describe('versionView', () => {
  it('flags pods that disagree and agentk too far from kas', () => {
    const v = versionView(
      [pod({ agentVersion: 'v0.1.0' }), pod({ agentVersion: 'v0.3.0' })],
      'v0.1.2',
      new Date(now),
    );
    expect(v.agentWarnings.some((w) => w.includes('different versions'))).toBe(true);
    expect(v.agentWarnings.some((w) => w.includes('agentk 0.3 is 2 minors newer'))).toBe(true);
    expect(v.support?.status).toBe('supported');
  });

  it('does not call a pod without a reported version skewed', () => {
    const v = versionView([pod({ agentVersion: 'unknown' })], 'v0.1.2', new Date(now));
    expect(v).toMatchObject({ agentVersion: null, agentWarnings: [] });
  });

  it('has no Kubernetes verdict without a connected pod', () => {
    expect(versionView([], 'v0.1.0', new Date(now))).toMatchObject({
      kubernetesVersion: null,
      support: null,
      agentWarnings: [],
    });
  });
});

describe('streamTotals', () => {
  it('sums streams across pods', () => {
    expect(streamTotals([pod(), pod({ streams: { active: 2, idle: 1, limit: 10 } })])).toEqual({
      active: 3,
      idle: 4,
      limit: 20,
    });
  });
});
