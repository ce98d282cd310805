// object_watch's kas half as others use it. (h/owapi: the viewer-access part; the hub adds its module here.)
export {
  OBJECT_WATCH_HUB,
  type ObjectWatchHub,
  type ViewerEvent,
  type ViewerOptions,
  type WatchKey,
} from './hub-api';
// The hub and its kas module.
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
