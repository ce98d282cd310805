export { Badge, type Tone } from './badge';
export { Button } from './button';
export { CopyButton } from './copy-button';
export { Dialog } from './dialog';
export { Field, inputClass } from './field';
export { EmptyState, ErrorBanner, Notice } from './messages';
export { Sparkline } from './sparkline';
export { Tooltip } from './tooltip';
