// The receptive module's kas half (issue 15): the dialer that opens the connection to receptive agents.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ReceptiveDialer, type ReceptiveDialerServices } from './dialer';

export { ReceptiveDialer, type ReceptiveLinkState } from './dialer';

/** The name the console API finds the dialer under (`ctx.provided.get`), for each agent's dial-out state. */
export const RECEPTIVE_DIALER = 'receptive.dialer';

export interface ReceptiveModuleContext {
  readonly logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  readonly services: ReceptiveDialerServices;
  readonly agentServer: { injectConnection(connection: Duplex): void };
  provide(name: string, value: unknown): void;
}

export interface ReceptiveKasModuleOptions {
  /** How long a lease lasts unrenewed (renewed every third of it); another kas takes over after it. */
  leaseMs?: number;
  /** How often the endpoints are read again. */
  syncMs?: number;
}

export function createReceptiveKasModule(options: ReceptiveKasModuleOptions = {}) {
  let dialer: ReceptiveDialer | null = null;
  return {
    name: 'receptive',
    async start(ctx: ReceptiveModuleContext) {
      dialer = new ReceptiveDialer({
        services: ctx.services,
        inject: (connection) => ctx.agentServer.injectConnection(connection),
        holder: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
        leaseMs: options.leaseMs ?? 15_000,
        syncMs: options.syncMs ?? 2_000,
        logger: ctx.logger,
      });
      ctx.provide(RECEPTIVE_DIALER, dialer);
      dialer.start();
    },
    async stop() {
      await dialer?.stop();
      dialer = null;
    },
  };
}
