// The receptive dialer's contribution to kas's settings table (KasModule.settings): `kas --help` and docs/operate.md
// show them, and loadConfig checks them with everything else before anything binds.
import { seconds } from '../../modserver/settings';
import type { SettingsTable } from '../../shared/settings';
import { cidrListSchema } from './address-policy';

export const RECEPTIVE_DEFAULTS = {
  leaseMs: 15_000,
  syncMs: 2_000,
  allowCidrs: '0.0.0.0/0,::/0',
  // Link-local: where clouds serve instance metadata and credentials (169.254.169.254, fd00:ec2::254 is in ::/0).
  denyCidrs: '169.254.0.0/16,fe80::/10',
} as const;

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
  receptiveAllowCidrs: {
    env: 'MOORING_RECEPTIVE_ALLOW_CIDRS',
    flag: '--receptive-allow-cidrs',
    schema: cidrListSchema.optional(),
    defaultText: RECEPTIVE_DEFAULTS.allowCidrs,
    description:
      'comma-separated networks receptive endpoints may make kas dial (checked after DNS, in the dialer and in Test connection); set it to your clusters’ networks',
  },
  receptiveDenyCidrs: {
    env: 'MOORING_RECEPTIVE_DENY_CIDRS',
    flag: '--receptive-deny-cidrs',
    schema: cidrListSchema.optional(),
    defaultText: RECEPTIVE_DEFAULTS.denyCidrs,
    description: 'networks kas never dials for a receptive endpoint, whatever the allow list says',
  },
} as const satisfies SettingsTable;
