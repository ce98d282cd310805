// live.onAgents and live.onActivity, declared with defineSubscription (trpc/from-subscriptions.ts serves them):
// authorized like every procedure, re-authorized when the viewer's rights change, eager and bounded
// (trpc/event-stream.ts). The order in each handler is the point: open the event stream, then read the snapshot,
// then send what arrived after the snapshot's position, so nothing between snapshot and first event is lost.
// live.onAgents also carries the registry's changes (an agent registered or deleted) so every open Clusters list
// adds and removes rows; each snapshot starts with { registry: 'resync' } (re-read agents.list).
import { z } from 'zod';
import { ApiError } from '../api/errors';
import { defineSubscription } from '../api/operation';
import type { Provided } from '../provided';
import { BEHIND } from '../trpc/event-stream';
import type { FeedEvent } from './live-feed';
import {
  ACTIVITY_RESET_ROWS,
  activityFeedEvent,
  agentsFeedEvent,
  id,
  isRegistryEvent,
  type ActivityEvent,
  type AgentsFeedValue,
  type LiveSource,
} from './live-schemas';

const agentNotFound = (agentId: number) =>
  new ApiError(
    404,
    'not_found',
    `agent ${agentId} not found, or you may no longer see it; check the agent id and your membership of its project`,
  );

function parseEventId(value: string | null | undefined): number | null {
  const n = value == null ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** A fixed source (tests) or one looked up per call (kas: the live module provides it at start). */
export type LiveSourceRef = LiveSource | ((ctx: { provided: Provided }) => LiveSource);

export function liveSubscriptions(ref: LiveSourceRef) {
  const sourceOf = (ctx: { provided: Provided }): LiveSource => (typeof ref === 'function' ? ref(ctx) : ref);
  return {
    onAgents: defineSubscription({
      name: 'live.onAgents',
      summary:
        'Connection state of the agents the caller may see (or of one): a snapshot, then changes, at most one per agent per second; agents registered and deleted as they happen',
      input: z.object({ agentId: id.optional(), lastEventId: z.string().nullish() }),
      output: agentsFeedEvent,
      /** The agents the viewer may see; an agent that becomes hidden is dropped from an open stream. */
      async authorize(input, ctx) {
        const visible = await sourceOf(ctx).visibleAgentIds(ctx);
        if (input.agentId !== undefined && !visible.has(input.agentId)) throw agentNotFound(input.agentId);
        return visible;
      },
      async *handler(input, ctx) {
        const source = sourceOf(ctx);
        const watched = (agentId: number) => input.agentId === undefined || input.agentId === agentId;
        const wanted = (agentId: number) => ctx.grant().has(agentId) && watched(agentId);
        // Agents the viewer could see while this stream ran: only those are announced as deleted (a deleted agent
        // is no longer in the grant; telling others that it existed would disclose it).
        const shown = new Set([...ctx.grant()].filter(watched));
        const changes = ctx.events<FeedEvent<AgentsFeedValue>>((push) => source.agents.subscribe(push));
        // Events up to `after` are older than what was sent (the replay or the snapshot).
        let after = source.agents.lastId;
        const snapshot = async function* () {
          after = source.agents.lastId;
          const at = String(after);
          yield { id: at, data: { registry: 'resync' as const } };
          for (const state of await source.states([...ctx.grant()].filter(wanted))) {
            shown.add(state.agentId);
            yield { id: at, data: state };
          }
        };
        /** The event as this viewer may see it, or null. */
        const visible = async (e: FeedEvent<AgentsFeedValue>): Promise<AgentsFeedValue | null> => {
          const value = e.value;
          if (!isRegistryEvent(value)) {
            if (!wanted(e.key)) return null;
            shown.add(e.key);
            return value;
          }
          if (value.registry === 'deleted') return shown.delete(e.key) ? value : null;
          // The grant is re-read after agentCreated (services/events.ts), maybe not yet: ask now.
          if (!watched(e.key) || !(await source.visibleAgentIds(ctx)).has(e.key)) return null;
          shown.add(e.key);
          return value;
        };
        const last = parseEventId(input.lastEventId);
        const missed = last === null ? null : source.agents.since(last);
        // A replay cannot tell which deleted agents the client had seen: registry changes in it mean a snapshot.
        if (missed && !missed.some((e) => 'registry' in e.value)) {
          for (const e of missed) if (wanted(e.key)) yield { id: String(e.id), data: e.value };
          after = missed.at(-1)?.id ?? after;
        } else {
          // First connect, or a last event id older than the feed keeps: a snapshot.
          yield* snapshot();
        }
        for await (const e of changes) {
          if (e === BEHIND) {
            yield* snapshot();
            continue;
          }
          if (e.id <= after) continue;
          const data = await visible(e);
          if (data) yield { id: String(e.id), data };
        }
      },
    }),

    onActivity: defineSubscription({
      name: 'live.onActivity',
      summary:
        "An agent's activity rows as they are committed; first, and whenever the stream fell behind, a reset with the newest 50",
      input: z.object({ agentId: id, lastEventId: z.string().nullish() }),
      output: activityFeedEvent,
      async authorize(input, ctx) {
        if (!(await sourceOf(ctx).visibleAgentIds(ctx)).has(input.agentId))
          throw agentNotFound(input.agentId);
      },
      async *handler(input, ctx) {
        const source = sourceOf(ctx);
        const rows = ctx.events<FeedEvent<ActivityEvent>>((push) =>
          source.activity.subscribe((e) => e.key === input.agentId && push(e)),
        );
        let after = source.activity.lastId;
        let sent = new Set<number>();
        const reset = async function* () {
          after = source.activity.lastId;
          const at = String(after);
          const newest = await source.recentActivity(ctx, input.agentId, ACTIVITY_RESET_ROWS);
          sent = new Set(newest.map((r) => r.id));
          yield { id: at, data: { reset: true as const, rows: newest } };
        };
        const last = parseEventId(input.lastEventId);
        const missed = last === null ? null : source.activity.since(last);
        if (missed) {
          for (const e of missed) if (e.key === input.agentId) yield { id: String(e.id), data: e.value };
        } else {
          yield* reset();
        }
        for await (const e of rows) {
          if (e === BEHIND) yield* reset();
          else if (e.id > after && !sent.has(e.value.id)) yield { id: String(e.id), data: e.value };
        }
      },
    }),
  };
}
