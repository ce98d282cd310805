// CI job tokens (`mcj-` + 40 chars): minted through the REST API for one job of one project, with
// its environment and an expiry; the proxy accepts them as `Bearer ci:<agent_id>:<token>`.
import { ciJobTokens, projects } from '@mooring/db';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { randomAlphanumeric, sha256Hex } from './crypto';
import { TokenCache } from './token-cache';
import { idSchema, parseField } from './validation';

export const CI_JOB_TOKEN_PREFIX = 'mcj-';
const PATTERN = /^mcj-[A-Za-z0-9]{40}$/;

export interface VerifiedCiJob {
  ciJobTokenId: number;
  projectId: number;
  projectPath: string;
  jobId: string;
  environment: string | null;
  environmentTier: string | null;
  userId: number | null;
  expiresAt: Date;
}

const mintSchema = z.strictObject({
  projectId: idSchema,
  jobId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be the job id (letters, digits, _ . -)'),
  environment: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_./ -]+$/, 'must be an environment name like prod or review/feature-1')
    .optional(),
  environmentTier: z.enum(['production', 'staging', 'testing', 'development', 'other']).optional(),
  ttlSeconds: z
    .number()
    .int()
    .min(60, 'must be at least 60')
    .max(86_400, 'must be at most 86400 (24 h)')
    .optional(),
});

export function createCiJobTokenService(
  ctx: ServiceContext,
  options: { negativeTtlMs: number; positiveTtlMs: number },
) {
  const { db, clock, policy } = ctx;
  const cache = new TokenCache<VerifiedCiJob>(clock, options.positiveTtlMs, options.negativeTtlMs);

  return {
    /** Needs Maintainer on the project. The token is returned once. Default lifetime 1 h. */
    async mint(
      actor: Actor,
      input: z.input<typeof mintSchema>,
    ): Promise<{ token: string; expiresAt: Date; id: number }> {
      const v = parseField(mintSchema, input, 'input');
      await policy.authorize(actor, 'project:mint_ci_job_token', { type: 'project', id: v.projectId });
      const token = CI_JOB_TOKEN_PREFIX + randomAlphanumeric(40);
      const expiresAt = new Date(clock.now().getTime() + (v.ttlSeconds ?? 3600) * 1000);
      const id = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(ciJobTokens)
          .values({
            projectId: v.projectId,
            jobId: v.jobId,
            environment: v.environment ?? null,
            environmentTier: v.environmentTier ?? null,
            userId: actor.userId,
            tokenHash: sha256Hex(token),
            expiresAt,
            createdAt: clock.now(),
          })
          .returning({ id: ciJobTokens.id });
        await writeAudit(
          tx,
          actor,
          {
            action: 'ci_job_token.create',
            targetType: 'project',
            targetId: v.projectId,
            details: {
              jobId: v.jobId,
              environment: v.environment ?? null,
              expiresAt: expiresAt.toISOString(),
            },
          },
          clock,
        );
        return row!.id;
      });
      return { token, expiresAt, id };
    },

    /** Null for malformed, unknown or expired tokens. */
    async verify(token: string): Promise<VerifiedCiJob | null> {
      if (typeof token !== 'string' || !PATTERN.test(token)) return null;
      const hash = sha256Hex(token);
      const { value } = await cache.get(hash, async () => {
        const [row] = await db
          .select({
            ciJobTokenId: ciJobTokens.id,
            projectId: ciJobTokens.projectId,
            projectPath: projects.fullPath,
            jobId: ciJobTokens.jobId,
            environment: ciJobTokens.environment,
            environmentTier: ciJobTokens.environmentTier,
            userId: ciJobTokens.userId,
            expiresAt: ciJobTokens.expiresAt,
          })
          .from(ciJobTokens)
          .innerJoin(projects, eq(projects.id, ciJobTokens.projectId))
          .where(eq(ciJobTokens.tokenHash, hash));
        return row ?? null;
      });
      if (!value || value.expiresAt.getTime() <= clock.now().getTime()) return null;
      return value;
    },
  };
}
export type CiJobTokenService = ReturnType<typeof createCiJobTokenService>;
