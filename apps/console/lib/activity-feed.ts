// The agent activity feed as the console caches it (newest first), and how live.onActivity events change it.

export interface ActivityRow {
  id: number;
  kind: string;
  actorId: number | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** kas keeps the newest 200 entries per agent; ask for all of them so the 24 h timeline sees every transition. */
export const activityLimit = 200;
/** How many rows kas's reset marker carries (ACTIVITY_RESET_ROWS in kas's live-schemas.ts). */
const resetRows = 50;

export type ActivityFeedEvent = ActivityRow | { reset: true; rows: ActivityRow[] };

/**
 * Applies one live.onActivity event to the cached feed (newest first). A row is added once. A reset (sent when the
 * stream opens and whenever kas found it too far behind) carries the newest rows: they are merged in, and when they
 * do not reach back to what the cache already holds, rows may be missing in between, so the caller refetches.
 */
export function applyActivityEvent(
  rows: ActivityRow[] | undefined,
  event: ActivityFeedEvent,
): { rows: ActivityRow[]; gap: boolean } {
  const current = rows ?? [];
  if (!('reset' in event)) {
    if (current.some((r) => r.id === event.id)) return { rows: current, gap: false };
    return { rows: [event, ...current], gap: false };
  }
  const byId = new Map(current.map((r) => [r.id, r]));
  for (const row of event.rows) byId.set(row.id, row);
  const merged = [...byId.values()].sort((a, b) => b.id - a.id).slice(0, activityLimit);
  // A reset of fewer rows than kas sends holds the whole feed. A full one that does not reach back to the newest
  // cached row leaves rows in between unknown.
  const oldestSent = event.rows.at(-1)?.id ?? 0;
  const gap =
    current.length > 0 && event.rows.length >= resetRows && !current.some((r) => r.id >= oldestSent);
  return { rows: merged, gap };
}
