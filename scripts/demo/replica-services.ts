// The demo's seeding with several kas replicas (`pnpm start -- --replicas N`): the same services kas builds, on the
// replicas' PostgreSQL with their MOORING_SECRET, and their events relayed through the replicas' Redis so what the
// demo saves (a configuration, a receptive endpoint) reaches the replicas at once.
import { createWriteStream } from 'node:fs';
import { openDatabase } from '@mooring/db';
import { openRedisConnection } from '@mooring/modules/shared/redis-connection';
import { createKasServices, type KasServices } from '../../apps/kas/src/api/services-adapter';
import { createLogger } from '../../apps/kas/src/logger';
import { relayEventsThroughRedis } from '../../apps/kas/src/services/event-relay';

export interface ReplicaServices {
  services: KasServices;
  close(): Promise<void>;
}

export async function openReplicaServices(options: {
  databaseUrl: string;
  redisUrl: string;
  /** base64, the replicas' MOORING_SECRET. */
  secret: string;
  logFile: string;
}): Promise<ReplicaServices> {
  const logger = createLogger({
    destination: createWriteStream(options.logFile, { flags: 'a', mode: 0o600 }),
  });
  const log = logger.child({ module: 'demo-seed' });
  const database = await openDatabase({ url: options.databaseUrl });
  const services = createKasServices({ database, secret: Buffer.from(options.secret, 'base64'), logger });
  const redis = openRedisConnection({
    url: options.redisUrl,
    log: (level, fields, message) => log[level](fields, message),
  });
  const relay = relayEventsThroughRedis(services.events, redis, {
    log: (level, fields, message) => log[level](fields, message),
  });
  return {
    services,
    async close() {
      relay.stop();
      await redis.close();
      await services.close();
      await database.close();
    },
  };
}
