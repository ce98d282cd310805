// Several replicas (REDIS_URL): the event layer's topics (events.ts) cross replicas over one Redis pub/sub channel,
// `<prefix>events`. Each event emitted here is published once with this process's origin id; every replica delivers
// the others' events to its own listeners (so a config saved on A reaches the agents connected to B, a revoked token
// closes its streams everywhere, the console's live streams on B see A's activity). Delivery is at most once:
// while Redis is away events are not queued (what they announce is in the database; agents get it on reconnect).
// Messages are bounded and checked (zod) before any listener sees them.
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '@mooring/modules/shared/redis-connection';
import { z } from 'zod';
import type { ServiceEvents, Topic } from './events';

/** A bigger event is delivered here only (an activity row with huge details; none is near this). */
export const MAX_RELAYED_EVENT_BYTES = 64 * 1024;

const count = z.number().int().nonnegative();
const schemas = {
  tokenRevoked: z.object({ tokenId: count, agentId: count }),
  agentCreated: z.object({
    agent: z.object({
      id: count,
      projectId: count,
      projectPath: z.string().max(2_000),
      name: z.string().max(255),
      receptive: z.boolean(),
      createdBy: count.nullable(),
      createdAt: z.coerce.date(),
    }),
  }),
  agentDeleted: z.object({ agentId: count, projectId: count }),
  configChanged: z.object({ agentId: count, version: count }),
  activityRecorded: z.object({
    id: count,
    agentId: count,
    kind: z.string().max(100),
    actorId: count.nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.coerce.date(),
  }),
  accessChanged: z.object({
    userIds: z.union([z.array(count).max(10_000), z.literal('everyone')]),
    reason: z.string().max(500),
  }),
} as const;
type RelayedTopic = keyof typeof schemas;
const topicNames = Object.keys(schemas) as RelayedTopic[];

const envelope = z.object({
  /** The emitting process. */
  o: z.string().max(64),
  t: z.enum(topicNames as [RelayedTopic, ...RelayedTopic[]]),
  e: z.unknown(),
});

export interface EventRelayOptions {
  log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

export interface EventRelay {
  /** This process's origin id (its own messages come back and are ignored). */
  readonly origin: string;
  stop(): Promise<void>;
}

/** Relays every topic of `events` through Redis until stop(). */
export function relayEventsThroughRedis(
  events: ServiceEvents,
  redis: RedisConnection,
  options: EventRelayOptions,
): EventRelay {
  const origin = randomUUID();
  const channel = `${redis.keyPrefix}events`;
  let publishFailing = false;

  const publish = (topic: RelayedTopic, event: unknown) => {
    const message = JSON.stringify({ o: origin, t: topic, e: event });
    if (Buffer.byteLength(message) > MAX_RELAYED_EVENT_BYTES) {
      options.log(
        'warn',
        { topic, bytes: Buffer.byteLength(message) },
        'event too big to relay to other replicas',
      );
      return;
    }
    redis.client.publish(channel, message).then(
      () => {
        if (publishFailing) options.log('info', {}, 'relaying events to other replicas again');
        publishFailing = false;
      },
      (err: unknown) => {
        // One line per outage, not per event.
        if (!publishFailing)
          options.log(
            'warn',
            { topic, err: (err as Error).message },
            'events do not reach the other replicas (Redis)',
          );
        publishFailing = true;
      },
    );
  };

  for (const name of topicNames) (events[name] as Topic<unknown>).relayTo((event) => publish(name, event));

  const subscriber = redis.subscriber();
  const onMessage = (from: string, message: string) => {
    if (from !== channel || message.length > MAX_RELAYED_EVENT_BYTES) return;
    let raw: unknown;
    try {
      raw = JSON.parse(message);
    } catch {
      return options.log('warn', {}, 'ignored a relayed event that is not JSON');
    }
    const parsed = envelope.safeParse(raw);
    if (!parsed.success || parsed.data.o === origin) return;
    const { t: topic } = parsed.data;
    const event = schemas[topic].safeParse(parsed.data.e);
    if (!event.success)
      return options.log('warn', { topic }, 'ignored a relayed event of an unexpected shape');
    (events[topic] as Topic<unknown>).deliverRemote(event.data, events.onListenerError);
  };
  subscriber.on('message', onMessage);
  // The events connection queues nothing while Redis is away: subscribe whenever it turns ready (again).
  const subscribe = () =>
    void subscriber
      .subscribe(channel)
      .catch((err: unknown) =>
        options.log(
          'warn',
          { err: (err as Error).message },
          'could not subscribe to the other replicas’ events',
        ),
      );
  if (subscriber.status === 'ready') subscribe();
  subscriber.on('ready', subscribe);

  return {
    origin,
    async stop() {
      for (const name of topicNames) (events[name] as Topic<unknown>).relayTo(undefined);
      subscriber.off('message', onMessage);
      subscriber.off('ready', subscribe);
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
