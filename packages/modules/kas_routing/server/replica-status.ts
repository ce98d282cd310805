// What each replica says about itself next to its private API address (replica-addresses.ts writes it, the console's
// admin list reads it): whether its own /readyz is ready and why not, how many agents and tunnels it holds, and when
// it said so. Each replica rewrites its own on every refresh; an entry not rewritten for `staleAfterMs` is shown as
// "not reporting" (killed, cut off from Redis) with what it said last, and dropped after an hour.
import { z } from 'zod';

/** At most this many /readyz lines are kept per replica, each at most this long. */
const MAX_LINES = 20;
const MAX_LINE_CHARS = 500;

/** What a replica publishes (as JSON in Redis) and what a reader checks it against. */
export const publishedStatusSchema = z.object({
  url: z.string().max(2_000),
  ready: z.boolean(),
  readiness: z.array(z.string().max(MAX_LINE_CHARS)).max(MAX_LINES),
  agents: z.number().int().min(0),
  tunnels: z.number().int().min(0),
  /** When it was written (ms since the epoch, the writer's clock). */
  at: z.number().int().min(0),
});
export type PublishedStatus = z.infer<typeof publishedStatusSchema>;

/** What this replica knows about itself right now. */
export interface LocalStatus {
  ready: boolean;
  /** The /readyz lines. */
  readiness: string[];
  agents: number;
  tunnels: number;
}

/** One replica as the console lists it. */
export interface ReplicaSummary {
  name: string;
  /** The replica that answered this listing. */
  self: boolean;
  privateApiUrl: string | null;
  state: 'ready' | 'not_ready' | 'not_reporting';
  /** Why it is not ready (its failed /readyz lines), or why it is not reporting; null when ready. */
  reason: string | null;
  /** Its /readyz lines as it last reported them. */
  readiness: string[];
  agents: number;
  tunnels: number;
  /** When it last reported (this replica: now); null when it never did. */
  lastSeenAt: Date | null;
}

export interface ReplicaListing {
  /** REDIS_URL is set: replicas see each other. */
  shared: boolean;
  /** This replica first, then the others by name; at most `limit`. */
  replicas: ReplicaSummary[];
  /** How many replicas there are in all. */
  total: number;
  limit: number;
  /** Set when the others could not be read (Redis away): only this replica is listed. */
  problem: string | null;
}

/** What kas_routing provides to the console API (KasModuleContext.provide) under KAS_REPLICAS. */
export interface ReplicaDirectory {
  list(): Promise<ReplicaListing>;
}
export const KAS_REPLICAS = 'kasReplicas';

/** The admin list shows at most this many replicas (this one always included). */
export const MAX_LISTED_REPLICAS = 100;

/** One published status or an unreadable value, by replica name, with that replica's URL from the address hash. */
export interface StoredReplica {
  name: string;
  url: string | null;
  status: PublishedStatus | null;
  /** Set when the stored status is not valid JSON of the expected shape. */
  unreadable?: boolean;
}

export function truncateLines(lines: readonly string[]): string[] {
  return lines
    .slice(0, MAX_LINES)
    .map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS - 1)}…` : l));
}

/** The failed lines of a /readyz answer, as one reason. */
export function reasonOf(status: { ready: boolean; readiness: readonly string[] }): string | null {
  if (status.ready) return null;
  const failed = status.readiness.filter((l) => !l.startsWith('[+]'));
  return (failed.length > 0 ? failed : status.readiness).join('; ') || 'not ready';
}

export function summaryOf(stored: StoredReplica, now: number, staleAfterMs: number): ReplicaSummary {
  const { status } = stored;
  if (!status)
    return {
      name: stored.name,
      self: false,
      privateApiUrl: stored.url,
      state: 'not_reporting',
      reason: stored.unreadable
        ? 'its status in Redis is unreadable (another Mooring version?); run the same kas version on every replica'
        : 'it has written its address but no status yet (starting, or an older kas version)',
      readiness: [],
      agents: 0,
      tunnels: 0,
      lastSeenAt: null,
    };
  const stale = now - status.at > staleAfterMs;
  return {
    name: stored.name,
    self: false,
    privateApiUrl: stored.url ?? status.url,
    state: stale ? 'not_reporting' : status.ready ? 'ready' : 'not_ready',
    reason: stale
      ? `no report for ${Math.round((now - status.at) / 1000)} s: it stopped without a goodbye (killed) or lost Redis; check its process and /readyz`
      : reasonOf(status),
    readiness: status.readiness,
    agents: status.agents,
    tunnels: status.tunnels,
    lastSeenAt: new Date(status.at),
  };
}
