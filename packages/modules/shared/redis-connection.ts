// kas's one Redis connection (REDIS_URL): what several replicas share (docs/replicas.md). Every command is bounded
// (connect and command timeouts) and fails at once while Redis is unreachable instead of queueing, so kas keeps
// serving the agents it holds and the callers decide what a failed write means; the client reconnects by itself
// with the one backoff (backoff.ts). `check()` is the /readyz check: it names why Redis is not usable.
import { Redis, type RedisOptions } from 'ioredis';
import { Backoff, type BackoffOptions } from './backoff';

export interface RedisConnectionOptions {
  /** redis:// or rediss:// (TLS). */
  url: string;
  /** Prepended to every key and channel kas uses, so one Redis can serve several installations. Default "mooring:". */
  keyPrefix?: string;
  /** Time to establish a connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** Time for one command's answer. Default 2 s. */
  commandTimeoutMs?: number;
  /** Reconnect delays; the tunnel's defaults capped at 5 s, so kas notices a returned Redis quickly. */
  backoff?: BackoffOptions;
  /** Shown in `CLIENT LIST`. */
  connectionName?: string;
  /** One line per state change (connected, lost, reconnecting). */
  log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

export interface RedisConnection {
  /** For commands. Fails fast (no offline queue) while Redis is unreachable. */
  readonly client: Redis;
  /** The key and channel prefix. */
  readonly keyPrefix: string;
  /** Redis's address without credentials, for messages. */
  readonly address: string;
  /** A second connection for SUBSCRIBE (a subscribed connection can run nothing else); opened on first use. */
  subscriber(): Redis;
  /** True while the command connection is ready. */
  ready(): boolean;
  /** Resolves when Redis answers PING; rejects with why not (the /readyz reason). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The URL without user name and password. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const address = redisAddress(options.url);
  const keyPrefix = options.keyPrefix ?? 'mooring:';
  const log = options.log ?? (() => undefined);
  const clients: Redis[] = [];
  let lastError: { message: string; at: Date } | null = null;
  let closed = false;

  const connect = (role: string): Redis => {
    const backoff = new Backoff({ maxMs: 5_000, ...options.backoff });
    const redisOptions: RedisOptions = {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // A command issued while Redis is away fails at once; kas does not pile work up in memory for later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Reconnect for ever: Redis coming back must be enough for kas to recover.
      retryStrategy: () => (closed ? null : backoff.nextDelayMs()),
      connectionName: `${options.connectionName ?? 'kas'}-${role}`,
      lazyConnect: false,
    };
    const client = new Redis(options.url, redisOptions);
    let wasReady = false;
    client.on('ready', () => {
      backoff.reset();
      wasReady = true;
      lastError = null;
      log('info', { redis: address, role }, `connected to Redis at ${address}`);
    });
    client.on('error', (err: Error) => {
      const first = lastError === null;
      lastError = { message: err.message || err.name, at: new Date() };
      if (first)
        log('warn', { redis: address, role, err: err.message }, `Redis at ${address}: ${err.message}`);
    });
    client.on('close', () => {
      // Lost, before the first reconnect attempt fails: /readyz says so rather than "still connecting".
      if (wasReady && !closed && lastError === null)
        lastError = { message: 'the connection was lost', at: new Date() };
    });
    client.on('end', () => {
      if (wasReady && !closed) log('warn', { redis: address, role }, `lost Redis at ${address}`);
    });
    clients.push(client);
    return client;
  };

  const client = connect('commands');
  let subscriber: Redis | undefined;
  return {
    client,
    keyPrefix,
    address,
    subscriber() {
      subscriber ??= connect('events');
      return subscriber;
    },
    ready: () => client.status === 'ready',
    async check() {
      const unreachable = (why: string) =>
        new Error(
          `Redis at ${address} is not reachable: ${why}; kas keeps serving the agents connected to it and reconnects by itself — check REDIS_URL and that Redis runs`,
        );
      if (client.status !== 'ready')
        throw unreachable(
          lastError
            ? `${lastError.message} (since ${lastError.at.toISOString()})`
            : `still connecting (${client.status})`,
        );
      // Still "ready" for a moment after Redis went away: the PING then fails with ioredis's own words ("Stream
      // isn't writeable…", a timeout), which must not reach /readyz without the reason and the fix.
      let answer: string;
      try {
        answer = await client.ping();
      } catch (error) {
        throw unreachable(`PING failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (answer !== 'PONG') throw new Error(`Redis at ${address} answered PING with ${answer}`);
    },
    async close() {
      closed = true;
      await Promise.all(
        clients.map((c) =>
          c.status === 'ready'
            ? c.quit().then(
                () => undefined,
                () => c.disconnect(),
              )
            : c.disconnect(),
        ),
      );
    },
  };
}
