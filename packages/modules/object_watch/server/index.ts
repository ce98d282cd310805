// object_watch's kas half as others use it. (h/owapi: the viewer-access part; the hub adds its module here.)
export {
  OBJECT_WATCH_HUB,
  type ObjectWatchHub,
  type ViewerEvent,
  type ViewerOptions,
  type WatchKey,
} from './hub-api';
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
