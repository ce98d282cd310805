import type { Server } from 'node:net';
import type { OpenedDatabase } from '@mooring/db';
import type { AgentServer } from '@mooring/modules/modserver/index';
import type { RedisConnection } from '@mooring/modules/shared/redis-connection';
import type { SettingsTable } from '@mooring/modules/shared/settings';
import type { CertificateStore } from '@mooring/modules/shared/certificates';
import type { Registry } from 'prom-client';
import type { KasServices } from './api/services-adapter';
import type { KasConfig } from './config';
import type { Logger } from './logger';
import type { ReadinessCheck, ReadinessReport } from './observability/server';

/**
 * What kas hands each module when it starts. Modules (the server halves under
 * packages/modules/<name>/server, or listeners living in apps/kas) get everything through this
 * object and never reach into each other.
 */
export interface KasModuleContext {
  readonly config: KasConfig;
  /** Already a child logger with `module: <name>`. */
  readonly logger: Logger;
  /** The registry /metrics serves; register metrics with `registers: [ctx.metrics]`. */
  readonly metrics: Registry;
  readonly services: KasServices;
  readonly database: OpenedDatabase;
  /** MOORING_SECRET (given or generated and kept in the data dir): 32 bytes. */
  readonly secret: Buffer;
  /**
   * Where kas's self-signed CA and server certificate are kept: <data dir>/tls/agent-api on PGlite, the database on
   * PostgreSQL (one CA for every replica). Serve them with ensureStoredCertificate (packages/modules/shared/certificates.ts).
   */
  readonly certificates: CertificateStore;
  /** The shared Redis (REDIS_URL), unset for a single replica; commands fail fast while it is unreachable. */
  readonly redis: RedisConnection | undefined;
  /** This replica's name: in connection rows (kas_replica) and the tunnel tracker. */
  readonly replica: string;
  /** Aborted when kas begins shutting down (its drain); long-lived streams should end on it. */
  readonly signal: AbortSignal;
  /**
   * How long requests in flight may take to finish once `signal` aborted (MOORING_SHUTDOWN_GRACE): a listener a
   * module owns stops accepting on the signal and cuts what is left after this long.
   */
  readonly shutdownGraceMs: number;
  /**
   * The shared agent gRPC server (the agent listener, MOORING_AGENT_PORT): a module agentk calls registers its
   * services on it in start(); kas binds it once every module has started (only if one registered a service) and
   * stops it after every module stopped, so a module's stop() closes its idle streams and calls in flight drain.
   */
  readonly agentServer: AgentServer;
  /** Adds a check to /readyz (e.g. "agent listener bound"). */
  addReadinessCheck(check: ReadinessCheck): void;
  /** What /readyz answers now (every check run; `shutting down` once the drain began). */
  readiness(): Promise<ReadinessReport>;
  /**
   * Binds a server on the configured listen host: resolves with the bound port (0 picks a free
   * one) and logs `<name> listening`. Use it so every listener honours MOORING_LISTEN_HOST.
   */
  listen(server: Server, port: number, name: string): Promise<number>;
  /**
   * Makes a value available to console API procedures under `name` (tRPC: `ctx.provided.get(name)`),
   * e.g. the connected-agents source for live subscriptions. Removed again when the module stops.
   */
  provide(name: string, value: unknown): void;
}

/** What a module reports once started: shown in startKas's result and logged. */
export interface KasModuleStarted {
  ports?: Record<string, number>;
  urls?: Record<string, string>;
}

/**
 * A unit of kas capability. startKas starts modules in list order after the database, services,
 * observability and console API are up, and stops them in reverse order before those close.
 * `stop` must stop accepting new work, let in-flight work finish (or end it on `signal`), release
 * ports, and be safe to call after a failed `start`.
 */
export interface KasModule {
  readonly name: string;
  /**
   * The module's settings (packages/modules/shared/settings.ts): loadConfig adds them to kas's table, so they are
   * checked with kas's own before anything binds and `kas --help` lists them; read them in `start` with
   * `settingValues(table, ctx.config)`.
   */
  readonly settings?: SettingsTable;
  start(ctx: KasModuleContext): Promise<KasModuleStarted | void>;
  stop(): Promise<void>;
}
