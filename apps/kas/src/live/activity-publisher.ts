// Publishes new agent_activity rows to the live feed. Services write the rows inside the transaction of the change
// they report and emit no event of their own, so this reads an agent's newest rows right after the changes that
// write them (a pod connecting or disconnecting, a token revoked, a config saved): event-driven, never on a timer.
import { systemActor } from '../services/index';
import type { KasServices } from '../api/services-adapter';
import type { LiveFeed } from './live-feed';
import type { ActivityEvent } from './live-router';

export interface ActivityPublisherOptions {
  services: KasServices;
  feed: LiveFeed<ActivityEvent>;
  /** Waits this long after a change so the row's transaction has committed (and batches bursts). */
  settleMs?: number;
  onError(err: unknown): void;
}

export function createActivityPublisher(options: ActivityPublisherOptions) {
  const { services, feed } = options;
  const settleMs = options.settleMs ?? 150;
  const actor = systemActor('live');
  const startedAt = Date.now();
  const newestSent = new Map<number, number>();
  const timers = new Map<number, NodeJS.Timeout>();

  const publishNew = async (agentId: number) => {
    const rows = await services.agentActivity.list(actor, agentId, { limit: 50 });
    const after = newestSent.get(agentId);
    // Rows written before kas started are history (activity.list), not live events.
    const fresh = rows.filter((r) =>
      after === undefined ? r.createdAt.getTime() >= startedAt - 1_000 : r.id > after,
    );
    if (rows[0]) newestSent.set(agentId, Math.max(after ?? 0, rows[0].id));
    for (const row of fresh.reverse())
      feed.publish(agentId, { ...row, createdAt: row.createdAt.toISOString() });
  };

  return {
    /** Something that may have written activity for `agentId` happened. */
    changed(agentId: number): void {
      if (timers.has(agentId)) return;
      const timer = setTimeout(() => {
        timers.delete(agentId);
        publishNew(agentId).catch(options.onError);
      }, settleMs);
      timer.unref();
      timers.set(agentId, timer);
    },
    stop(): void {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
