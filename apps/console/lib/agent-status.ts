import {
  parseMinor,
  agentVersionSkew,
  kubernetesVersionSupport,
  podsDisagree,
  type KubernetesVersionSupport,
} from '@mooring/modules/version_policy/shared/index';
import type { Tone } from '@mooring/ui/badge';

import { sentences } from './sentences';
import { duration, formatTime } from './time';

export interface ConnectionLike {
  podName: string;
  agentVersion: string;
  kubernetesVersion: string | null;
  kasReplica: string;
  connectedAt: string;
  streams: { active: number; idle: number; limit: number };
}

export interface LiveLike {
  lastSeenAt: string | null;
  connections: ConnectionLike[];
  disconnectReason: string | null;
}

export interface AgentLike {
  name: string;
  /** kas dials this agent (receptive mode): a missing connection is kas's dial-out, not agentk's. */
  receptive?: boolean;
  /** null: no connection state yet (still asking kas), or kas could not report it (see liveError). */
  live: LiveLike | null;
  /** kas's answer when it failed to report connection state; null while the answer is still pending. */
  liveError?: string | null;
}

export interface StatusView {
  kind: 'connected' | 'disconnected' | 'never' | 'checking' | 'unknown';
  label: string;
  tone: Tone;
  reason: string;
  /** Sort key: connected first, then most recently seen. */
  rank: number;
}

export function agentStatus(agent: AgentLike, now: number): StatusView {
  const live = agent.live;
  if (!live && agent.liveError) {
    return {
      kind: 'unknown',
      label: 'Unknown',
      tone: 'muted',
      reason: `kas does not report connection state (live.agents: ${agent.liveError}).`,
      rank: 3,
    };
  }
  if (!live) {
    // Not an answer yet: say nothing about the agent until kas has.
    return {
      kind: 'checking',
      label: 'Checking connection…',
      tone: 'muted',
      reason: 'Asking kas which agentk pods are connected.',
      rank: 3,
    };
  }
  const pods = live.connections;
  if (pods.length > 0) {
    const replicas = [...new Set(pods.map((p) => p.kasReplica))].join(', ');
    return {
      kind: 'connected',
      label: 'Connected',
      tone: 'ok',
      reason: `${pods.length} pod${pods.length === 1 ? '' : 's'} connected (${pods.map((p) => p.podName).join(', ')}) to kas ${replicas}.`,
      rank: 0,
    };
  }
  if (!live.lastSeenAt) {
    return {
      kind: 'never',
      label: 'Never connected',
      tone: 'muted',
      reason: sentences(
        live.disconnectReason ??
          (agent.receptive
            ? `kas dials ${agent.name} (receptive mode) and has not reached it yet: the Receptive tab shows why, and Test connection checks each step`
            : `No agentk has connected as ${agent.name} yet: create a token and start agentk with it (see "Connect a cluster")`),
      ),
      rank: 2,
    };
  }
  const seconds = Math.max(0, Math.round((now - Date.parse(live.lastSeenAt)) / 1000));
  return {
    kind: 'disconnected',
    label: `Not connected for ${duration(seconds)}`,
    tone: 'bad',
    reason: sentences(
      `Last seen ${duration(seconds)} ago`,
      live.disconnectReason ??
        (agent.receptive
          ? 'kas dials this agent (receptive mode): the Receptive tab shows the dial-out state and its last error'
          : 'Check that agentk is running and its token is active'),
    ),
    rank: 1,
  };
}

export interface StreamTotals {
  active: number;
  idle: number;
  limit: number;
}

export function streamTotals(connections: ConnectionLike[]): StreamTotals {
  return connections.reduce(
    (sum, c) => ({
      active: sum.active + c.streams.active,
      idle: sum.idle + c.streams.idle,
      limit: sum.limit + c.streams.limit,
    }),
    { active: 0, idle: 0, limit: 0 },
  );
}

export interface SamplesLike {
  from: string;
  kasStartedAt: string;
  values: number[];
}

/** The sparkline's tooltip: what the samples are and why they may not cover the whole hour. */
export function samplesSummary(samples: SamplesLike): string {
  if (samples.values.length === 0) return 'No samples of active streams from kas yet.';
  const full = samples.values.length >= 60;
  const since = full
    ? `the last ${samples.values.length} minutes`
    : `since kas started (${formatTime(samples.kasStartedAt)})`;
  return sentences(
    `Active streams, the peak of each minute, ${since}: ${samples.values.join(', ')}`,
    'kas keeps 60 one-minute samples in memory, from its start',
  );
}

export interface VersionView {
  /** Kubernetes version shown for the cluster (the first pod's view of it). */
  kubernetesVersion: string | null;
  support: KubernetesVersionSupport | null;
  agentVersion: string | null;
  /** Problems with agentk's own version: skew from kas, or pods that disagree. */
  agentWarnings: string[];
}

export function versionView(
  connections: ConnectionLike[],
  kasVersion: string | null,
  date: Date,
): VersionView {
  const kubeVersions = connections.map((c) => c.kubernetesVersion).filter((v): v is string => !!v);
  const kubernetesVersion = kubeVersions[0] ?? null;
  // A pod that has not sent its Register yet reports no version; that is not a skew.
  const agentVersions = connections.map((c) => c.agentVersion).filter((v) => parseMinor(v) !== null);
  const agentWarnings: string[] = [];
  const split = podsDisagree(agentVersions);
  if (split.disagree) agentWarnings.push(split.reason);
  if (kasVersion) {
    for (const version of split.versions) {
      const skew = agentVersionSkew(version, kasVersion);
      if (!skew.ok) agentWarnings.push(skew.reason);
    }
  }
  return {
    kubernetesVersion,
    support: kubernetesVersion ? kubernetesVersionSupport(kubernetesVersion, date) : null,
    agentVersion: split.versions.join(', ') || null,
    agentWarnings,
  };
}

export const supportTone: Record<KubernetesVersionSupport['status'], Tone> = {
  supported: 'ok',
  too_new: 'warn',
  unsupported: 'bad',
};

export const supportLabel: Record<KubernetesVersionSupport['status'], string> = {
  supported: 'Supported',
  too_new: 'Too new',
  unsupported: 'Unsupported',
};
