// The receptive module's kas half (issue 15): the dialer that opens the connection to receptive agents.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { InjectedConnectionOwner } from '../../modserver/agent-server';
import { settingValues } from '../../shared/settings';
import { ReceptiveDialer, type ReceptiveDialerServices } from './dialer';
import { RECEPTIVE_DEFAULTS, receptiveSettings } from './settings';

export { ReceptiveDialer, type ReceptiveLinkState } from './dialer';

/** The name the console API finds the dialer under (`ctx.provided.get`), for each agent's dial-out state. */
export const RECEPTIVE_DIALER = 'receptive.dialer';

export interface ReceptiveModuleContext {
  readonly logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  readonly services: ReceptiveDialerServices;
  readonly agentServer: {
    injectConnection(connection: Duplex, expected: InjectedConnectionOwner): Promise<void>;
  };
  provide(name: string, value: unknown): void;
  readonly config: object;
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
    settings: receptiveSettings,
    async start(ctx: ReceptiveModuleContext) {
      const settings = settingValues(receptiveSettings, ctx.config);
      dialer = new ReceptiveDialer({
        services: ctx.services,
        inject: (connection, expected) => ctx.agentServer.injectConnection(connection, expected),
        holder: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
        leaseMs:
          options.leaseMs ??
          (settings.receptiveLease ? settings.receptiveLease * 1000 : RECEPTIVE_DEFAULTS.leaseMs),
        syncMs: options.syncMs ?? RECEPTIVE_DEFAULTS.syncMs,
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
