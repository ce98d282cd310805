// The receptive module's kas half (issue 15): the dialer that opens the connection to receptive agents.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Gauge, type Registry } from 'prom-client';
import { CONNECTION_FAILURE_KINDS } from '../../shared/connection-failure';
import type { InjectedConnectionOwner } from '../../modserver/agent-server';
import { settingValues } from '../../shared/settings';
import { cidrListSchema, ReceptiveAddressPolicy } from './address-policy';
import { ReceptiveDialer, type ReceptiveDialerServices } from './dialer';
import { RECEPTIVE_DEFAULTS, receptiveSettings } from './settings';

export { ReceptiveDialer, type ReceptiveLinkState, type ReceptiveTestResult } from './dialer';
export { DIAL_STEPS } from './dial-agentk';

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
  readonly metrics: Registry;
}

const LINK_STATES = ['standby', 'dialing', 'connected', 'failing'] as const;

/** Dial-out state for /metrics: links by state, failing links by failure kind (both closed label sets). */
function registerReceptiveMetrics(registry: Registry, dialer: () => ReceptiveDialer | null): void {
  new Gauge({
    name: 'mooring_kas_receptive_links',
    help: 'Receptive agents this kas knows of, by dial-out state (standby: another kas holds the lease)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(LINK_STATES.map((s) => [s, 0]));
      for (const link of dialer()?.states().values() ?? [])
        counts.set(link.state, counts.get(link.state)! + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'mooring_kas_receptive_failing_links',
    help: 'Receptive agents this kas fails to dial, by the kind of the last failure',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(CONNECTION_FAILURE_KINDS.map((k) => [k, 0]));
      for (const link of dialer()?.states().values() ?? [])
        if (link.state === 'failing') counts.set(link.kind, counts.get(link.kind)! + 1);
      for (const [kind, n] of counts) this.set({ kind }, n);
    },
  });
}

export interface ReceptiveKasModuleOptions {
  /** How long a lease lasts unrenewed (renewed every third of it); another kas takes over after it. */
  leaseMs?: number;
  /** How often the endpoints are read again. */
  syncMs?: number;
}

export function createReceptiveKasModule(options: ReceptiveKasModuleOptions = {}) {
  let dialer: ReceptiveDialer | null = null;
  let metricsRegistered = false;
  return {
    name: 'receptive',
    settings: receptiveSettings,
    async start(ctx: ReceptiveModuleContext) {
      const settings = settingValues(receptiveSettings, ctx.config);
      dialer = new ReceptiveDialer({
        services: ctx.services,
        inject: (connection, expected) => ctx.agentServer.injectConnection(connection, expected),
        policy: new ReceptiveAddressPolicy({
          allow: settings.receptiveAllowCidrs ?? cidrListSchema.parse(RECEPTIVE_DEFAULTS.allowCidrs),
          deny: settings.receptiveDenyCidrs ?? cidrListSchema.parse(RECEPTIVE_DEFAULTS.denyCidrs),
        }),
        holder: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
        leaseMs:
          options.leaseMs ??
          (settings.receptiveLease ? settings.receptiveLease * 1000 : RECEPTIVE_DEFAULTS.leaseMs),
        syncMs: options.syncMs ?? RECEPTIVE_DEFAULTS.syncMs,
        logger: ctx.logger,
      });
      ctx.provide(RECEPTIVE_DIALER, dialer);
      if (!metricsRegistered) registerReceptiveMetrics(ctx.metrics, () => dialer);
      metricsRegistered = true;
      dialer.start();
    },
    async stop() {
      await dialer?.stop();
      dialer = null;
    },
  };
}
