// object_watch's kas half: the hub, provided to the console API (OBJECT_WATCH_HUB), with its metrics. Typed
// structurally against apps/kas/src/module.ts (KasModule) so the module does not import the app.
import type { Registry } from 'prom-client';
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { settingValues } from '../../shared/settings';
import type { HubClock } from './clock';
import { createObjectWatchHub, type RunningObjectWatchHub } from './hub';
import { OBJECT_WATCH_HUB } from './hub-api';
import { createObjectWatchMetrics, type ObjectWatchMetrics } from './metrics';
import { objectWatchSettings } from './settings';
import type { HubLog } from './upstream';

/** The name the console API finds object_watch's metrics under (`ctx.provide`), for the SAR cache counters. */
export const OBJECT_WATCH_METRICS = 'objectWatchMetrics';

export interface ObjectWatchModuleContext {
  /** kas's configuration, with this module's contribution (objectWatchSettings) in it. */
  readonly config: object;
  readonly logger: HubLog;
  readonly metrics: Registry;
  provide(name: string, value: unknown): void;
}

export interface ObjectWatchKasModuleOptions {
  /** The reverse tunnel's dialer; called at start. */
  dialer: () => AgentDialer;
  clock?: HubClock;
}

export function createObjectWatchKasModule(options: ObjectWatchKasModuleOptions) {
  let hub: RunningObjectWatchHub | null = null;
  let metrics: ObjectWatchMetrics | null = null;
  return {
    name: 'object_watch',
    settings: objectWatchSettings,
    /** The running hub, once started. */
    hub: () => hub,
    metrics: () => metrics,
    async start(ctx: ObjectWatchModuleContext) {
      const settings = settingValues(objectWatchSettings, ctx.config);
      metrics = createObjectWatchMetrics(ctx.metrics, () => hub);
      hub = createObjectWatchHub({
        dialer: options.dialer(),
        log: ctx.logger,
        clock: options.clock,
        lingerMs: settings.objectWatchLingerSeconds * 1000,
        viewerBufferEvents: settings.objectWatchViewerBufferEvents,
        viewerBufferBytes: settings.objectWatchViewerBufferBytes,
        maxUpstreamsPerAgent: settings.objectWatchMaxUpstreamsPerAgent,
        maxObjects: settings.objectWatchMaxObjects,
        hooks: metrics.hooks,
      });
      ctx.provide(OBJECT_WATCH_HUB, hub);
      ctx.provide(OBJECT_WATCH_METRICS, metrics);
    },
    async stop() {
      hub?.stop();
      hub = null;
    },
  };
}
