// `--replicas N` for `pnpm start` and the launcher: how many kas processes to run behind the local load balancer.
import { z } from 'zod';

const replicasSchema = z.coerce
  .number({ error: 'expected a number of kas replicas from 1 to 5, e.g. --replicas 2' })
  .int('expected a whole number of kas replicas from 1 to 5, e.g. --replicas 2')
  .min(1, 'expected at least 1 kas replica, e.g. --replicas 2')
  .max(5, 'expected at most 5 kas replicas (each is a node process on this machine), e.g. --replicas 2');

export class ReplicasArgsError extends Error {}

/**
 * `--replicas N` or `--replicas=N`; undefined without it. A `--` (what `pnpm start -- …` passes along) is ignored;
 * anything else is refused, naming what is accepted.
 */
export function parseReplicasArgs(argv: readonly string[]): { replicas: number | undefined } {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '--replicas') {
      raw = argv[++i];
      if (raw === undefined) throw new ReplicasArgsError('--replicas needs a number, e.g. --replicas 2');
    } else if (arg.startsWith('--replicas=')) raw = arg.slice('--replicas='.length);
    else
      throw new ReplicasArgsError(
        `unknown argument ${JSON.stringify(arg.slice(0, 100))}; the only one is --replicas N (1 to 5)`,
      );
  }
  if (raw === undefined) return { replicas: undefined };
  const parsed = replicasSchema.safeParse(raw.trim() === '' ? undefined : raw);
  if (!parsed.success)
    throw new ReplicasArgsError(
      `--replicas ${JSON.stringify(raw.slice(0, 100))}: ${parsed.error.issues[0]!.message}`,
    );
  return { replicas: parsed.data };
}
