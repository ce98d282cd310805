import { z } from 'zod';

import type { VersionPolicy } from './policy';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

/** What a version policy file must hold (policy.test.ts checks the shipped one against it). */
export const versionPolicySchema: z.ZodType<VersionPolicy> = z.object({
  supportDelayMonths: z.number().int().min(0),
  supportedMinorCount: z.number().int().min(1),
  minors: z
    .array(
      z.object({
        minor: z.string().regex(/^\d+\.\d+$/, 'expected a minor such as 1.36'),
        released: isoDay,
        endOfLife: isoDay,
        projected: z.array(z.enum(['released', 'endOfLife'])).optional(),
      }),
    )
    .min(1),
});
