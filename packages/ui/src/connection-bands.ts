// Connected/disconnected bands of one agent over a time window, from its activity feed's transition events.
// An agent counts as connected while at least one of its pods is; kas records one event per pod transition.

export interface ConnectionEvent {
  kind: string;
  /** ms since the epoch */
  at: number;
  /** The pod the event is about ("namespace/name"); events without one are taken as agent-wide. */
  pod?: string;
}

export type BandState = 'connected' | 'disconnected' | 'unknown';

export interface Band {
  start: number;
  end: number;
  state: BandState;
}

export interface ConnectionTimeline {
  bands: Band[];
  /** Times in the window at which the agent went from disconnected to connected again. */
  reconnects: number[];
  connectedMs: number;
  windowMs: number;
}

const agentWide = '*';

/**
 * @param events any order; events outside the window still tell the state at its start.
 * @param connectedNow what kas reports right now (null: not known); used only when no event says anything.
 * @param existsSince when the agent was registered (ms): before it there is nothing to record, so a new agent that
 *   never connected is not drawn as disconnected for the whole window.
 */
export function connectionTimeline(
  events: ConnectionEvent[],
  windowStart: number,
  windowEnd: number,
  connectedNow: boolean | null = null,
  existsSince: number = -Infinity,
): ConnectionTimeline {
  const transitions = events
    .filter((e) => e.kind === 'agent_connected' || e.kind === 'agent_disconnected')
    .filter((e) => e.at <= windowEnd)
    .sort((a, b) => a.at - b.at);
  const windowMs = Math.max(0, windowEnd - windowStart);

  // Before the oldest event we only know what that event implies: a disconnect means the pod was connected.
  const pods = new Set<string>();
  let state: BandState;
  if (transitions.length === 0) {
    state = connectedNow === null ? 'unknown' : connectedNow ? 'connected' : 'disconnected';
  } else if (transitions[0]!.kind === 'agent_disconnected') {
    pods.add(transitions[0]!.pod ?? agentWide);
    state = 'connected';
  } else {
    state = 'unknown';
  }

  const bands: Band[] = [];
  const reconnects: number[] = [];
  let cursor = windowStart;
  const append = (end: number, bandState: BandState) => {
    const last = bands[bands.length - 1];
    if (last && last.state === bandState) last.end = end;
    else bands.push({ start: cursor, end, state: bandState });
    cursor = end;
  };
  const push = (until: number) => {
    const end = Math.min(Math.max(until, windowStart), windowEnd);
    if (end <= cursor) return;
    if (cursor < existsSince) append(Math.min(end, existsSince), 'unknown');
    if (end > cursor) append(end, state);
  };

  for (const event of transitions) {
    push(event.at);
    const pod = event.pod ?? agentWide;
    if (event.kind === 'agent_connected') {
      pods.add(pod);
    } else if (pod === agentWide) {
      pods.clear();
    } else {
      pods.delete(pod);
    }
    const next: BandState = pods.size > 0 ? 'connected' : 'disconnected';
    if (state === 'disconnected' && next === 'connected' && event.at >= windowStart)
      reconnects.push(event.at);
    state = next;
  }
  push(windowEnd);

  const connectedMs = bands
    .filter((b) => b.state === 'connected')
    .reduce((sum, b) => sum + (b.end - b.start), 0);
  return { bands, reconnects, connectedMs, windowMs };
}

function hoursMinutes(ms: number): string {
  // A pod that came up seconds ago is connected, not "connected 0 min".
  if (ms > 0 && ms < 30_000) return 'under 1 min';
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** One sentence for screen readers and for the caption, e.g. "connected 23 h 10 min of the last 24 h; 3 reconnects". */
export function timelineSummary(timeline: ConnectionTimeline): string {
  const unknownMs = timeline.bands
    .filter((b) => b.state === 'unknown')
    .reduce((sum, b) => sum + (b.end - b.start), 0);
  const reconnects = timeline.reconnects.length;
  const parts = [
    `connected ${hoursMinutes(timeline.connectedMs)} of the last ${hoursMinutes(timeline.windowMs)}`,
    `${reconnects} reconnect${reconnects === 1 ? '' : 's'}`,
  ];
  if (unknownMs > 0) parts.push(`no record for ${hoursMinutes(unknownMs)}`);
  return parts.join('; ');
}
