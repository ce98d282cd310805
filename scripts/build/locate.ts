// Where tests and the demo find the bundles they start (kas-process.ts, agentk-process.ts): the file `pnpm build`
// wrote, refused when it is missing or older than its sources, so a test never runs code other than what ships.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleSpecs, repoRoot, stampFile } from './specs';
import { readStamp, staleReason } from './stamp';

const checked = new Map<string, string>();

/** The absolute path of `apps/<name>/dist/<name>.mjs`; throws naming `pnpm build` when it is missing or stale. */
export function builtBundle(name: 'kas' | 'agentk'): string {
  const known = checked.get(name);
  if (known) return known;
  const spec = bundleSpecs.find((s) => s.name === name)!;
  const file = path.join(repoRoot, spec.outDir, `${name}.mjs`);
  if (!existsSync(file))
    throw new Error(
      `${path.relative(repoRoot, file)} is missing: run \`pnpm build\` (tests start the bundle)`,
    );
  const reason = staleReason(readStamp(stampFile(name)));
  if (reason)
    throw new Error(
      `${path.relative(repoRoot, file)} is out of date (${reason}): run \`pnpm build\` (tests start the bundle)`,
    );
  checked.set(name, file);
  return file;
}
