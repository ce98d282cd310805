// object_watch's contribution to kas's settings table (KasModule.settings): `kas --help` and docs/operate.md show
// them and loadConfig checks them with everything else before anything binds.
import { z } from 'zod';
import type { SettingsTable } from '../../shared/settings';
import { OBJECT_WATCH_HUB_DEFAULTS } from './hub';

const whole = (what: string, min: number) =>
  z.coerce
    .number({ error: `expected a whole number of ${what}` })
    .int(`expected a whole number of ${what}`)
    .min(min, `expected at least ${min} ${what}`);

export const objectWatchSettings = {
  objectWatchLingerSeconds: {
    env: 'MOORING_OBJECT_WATCH_LINGER_SECONDS',
    flag: '--object-watch-linger-seconds',
    schema: z.coerce
      .number({ error: 'expected the linger in seconds' })
      .min(0, 'expected the linger in seconds, 0 or more')
      .max(3600, 'expected at most 3600 seconds of linger')
      .default(OBJECT_WATCH_HUB_DEFAULTS.lingerMs / 1000),
    defaultText: `${OBJECT_WATCH_HUB_DEFAULTS.lingerMs / 1000} s`,
    description: 'how long an upstream object watch to agentk stays open after its last viewer left',
  },
  objectWatchViewerBufferEvents: {
    env: 'MOORING_OBJECT_WATCH_VIEWER_BUFFER_EVENTS',
    flag: '--object-watch-viewer-buffer-events',
    schema: whole('events', 10).default(OBJECT_WATCH_HUB_DEFAULTS.viewerBufferEvents),
    description:
      'object watch events one viewer may fall behind before kas drops them and sends it a fresh snapshot; also the events kept for resuming',
  },
  objectWatchViewerBufferBytes: {
    env: 'MOORING_OBJECT_WATCH_VIEWER_BUFFER_BYTES',
    flag: '--object-watch-viewer-buffer-bytes',
    schema: whole('bytes', 65_536).default(OBJECT_WATCH_HUB_DEFAULTS.viewerBufferBytes),
    defaultText: `${OBJECT_WATCH_HUB_DEFAULTS.viewerBufferBytes} (4 MiB)`,
    description: 'the same bound in bytes of rows',
  },
  objectWatchMaxUpstreamsPerAgent: {
    env: 'MOORING_OBJECT_WATCH_MAX_UPSTREAMS_PER_AGENT',
    flag: '--object-watch-max-upstreams-per-agent',
    schema: whole('watches', 1).default(OBJECT_WATCH_HUB_DEFAULTS.maxUpstreamsPerAgent),
    description: 'distinct object watches (resource, namespace, selectors) kas keeps open to one agent',
  },
  objectWatchMaxObjects: {
    env: 'MOORING_OBJECT_WATCH_MAX_OBJECTS',
    flag: '--object-watch-max-objects',
    schema: whole('objects', 100).default(OBJECT_WATCH_HUB_DEFAULTS.maxObjects),
    description: 'objects kas holds for one object watch; a bigger one reports too_many instead',
  },
} as const satisfies SettingsTable;
