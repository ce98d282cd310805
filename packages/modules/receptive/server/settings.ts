// The receptive dialer's contribution to kas's settings table (KasModule.settings): `kas --help` and docs/operate.md
// show them, and loadConfig checks them with everything else before anything binds.
import { seconds } from '../../modserver/settings';
import type { SettingsTable } from '../../shared/settings';

export const RECEPTIVE_DEFAULTS = { leaseMs: 15_000, syncMs: 2_000 } as const;

export const receptiveSettings = {
  receptiveLease: {
    env: 'MOORING_RECEPTIVE_LEASE',
    flag: '--receptive-lease',
    schema: seconds('how long a dial-out lease lasts unrenewed')
      .min(1, 'expected a receptive lease of at least 1 second (it is renewed every third of it)')
      .optional(),
    defaultText: `${RECEPTIVE_DEFAULTS.leaseMs / 1000} s`,
    description:
      'how long the kas dialing a receptive agent holds its lease unrenewed (renewed every third); another kas takes over after it',
  },
} as const satisfies SettingsTable;
