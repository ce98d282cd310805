export { Badge, type Tone } from './badge';
export { Button } from './button';
export {
  connectionTimeline,
  timelineSummary,
  type Band,
  type BandState,
  type ConnectionEvent,
  type ConnectionTimeline as ConnectionTimelineData,
} from './connection-bands';
export { ConnectionTimeline } from './connection-timeline';
export { CopyButton } from './copy-button';
export { Dialog } from './dialog';
export { Field, inputClass } from './field';
export { EmptyState, ErrorBanner, Notice } from './messages';
export { ScrollRegion } from './scroll-region';
export { SimpleTable, type Column } from './simple-table';
export { Sparkline } from './sparkline';
export { Tooltip } from './tooltip';
