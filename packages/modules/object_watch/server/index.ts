// object_watch's kas half as others use it.
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
// Who sees what, and the clusters overview's summary.
export {
  createViewerAccess,
  MAX_ANSWER_TTL_MS,
  VIEWER_RECHECK_MS,
  ViewerForbiddenError,
  type NamespaceLister,
  type ResourceAttributes,
  type ReviewAnswer,
  type SubjectAccessReviewer,
  type ViewerAccess,
  type ViewerAccessOptions,
  type ViewerScope,
  type WatchTarget,
} from './viewer-access';
export { namespaceLister, subjectAccessReviewer } from './agent-reviews';
export {
  summaryBuilder,
  SUMMARY_LIST_MAX,
  SUMMARY_RESOURCES,
  type ObjectsSummary,
  type SummaryResource,
} from './objects-summary';
