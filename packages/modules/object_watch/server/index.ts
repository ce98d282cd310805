// Public API of object_watch's kas half.
export * from './hub-api';
export {
  createObjectWatchKasModule,
  OBJECT_WATCH_METRICS,
  type ObjectWatchKasModuleOptions,
  type ObjectWatchModuleContext,
} from './kas-module';
export {
  createObjectWatchHub,
  OBJECT_WATCH_HUB_DEFAULTS,
  watchKeySchema,
  type HubHooks,
  type ObjectWatchHubOptions,
  type RunningObjectWatchHub,
} from './hub';
export { createObjectWatchMetrics, type ObjectWatchMetrics } from './metrics';
export { objectWatchSettings } from './settings';
export type { HubClock } from './clock';
