// Skips a build whose inputs did not change: the stamp records a hash of every file the last build read (esbuild's
// metafile, the assets, the build scripts, the lockfile); any changed, added-to-the-graph or missing file, or a
// missing output, means build again. Content hashes, not mtimes, so a checkout or `touch` does not fool it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Stamp {
  inputs: Record<string, string>;
  outputs: string[];
}

function hashFile(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

/** Every regular file under `entry` (itself when it is a file), absolute. */
export function filesUnder(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

export function hashInputs(files: Iterable<string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const file of files) inputs[file] = hashFile(file) ?? 'missing';
  return inputs;
}

export function readStamp(stampFile: string): Stamp | null {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** Why the build must run again, or null when the stamp still matches. */
export function staleReason(stamp: Stamp | null): string | null {
  if (!stamp) return 'never built here';
  const missing = stamp.outputs.find((file) => !existsSync(file));
  if (missing) return `${missing} is missing`;
  for (const [file, hash] of Object.entries(stamp.inputs))
    if (hashFile(file) !== (hash === 'missing' ? null : hash)) return `${file} changed`;
  return null;
}

export function writeStamp(stampFile: string, stamp: Stamp): void {
  mkdirSync(path.dirname(stampFile), { recursive: true, mode: 0o700 });
  writeFileSync(stampFile, JSON.stringify(stamp), { mode: 0o600 });
}
