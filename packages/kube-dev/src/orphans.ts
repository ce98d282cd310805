import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveGroupMembers, stopProcessGroups } from './processes';

/** Prefix of the temp dirs startCluster creates; orphans are found by it. */
export const tempClusterPrefix = 'mooring-kube-';
const ownerFile = 'owner.json';

interface Owner {
  pid: number;
  pgids: number[];
}

/** Records which process owns a temp cluster and its process groups (rewritten as components start). */
export function recordOwner(dataDir: string, pgids: number[]): void {
  writeFileSync(join(dataDir, ownerFile), JSON.stringify({ pid: process.pid, pgids } satisfies Owner));
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Only processes whose command line mentions the cluster's dir: a recycled pgid is left alone. */
function belongsTo(pid: number, dataDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
  } catch {
    return false;
  }
}

/**
 * Stops clusters left behind by a process that died without cleaning up (e.g. SIGKILL of vitest):
 * temp cluster dirs whose owner process is gone. Returns the dirs it removed.
 */
export async function reapOrphanedClusters(root: string = tmpdir()): Promise<string[]> {
  const reaped: string[] = [];
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(tempClusterPrefix)) continue;
    const dataDir = join(root, entry);
    const path = join(dataDir, ownerFile);
    if (!existsSync(path)) continue;
    let owner: Owner;
    try {
      owner = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    } catch {
      continue;
    }
    if (processAlive(owner.pid)) continue;
    const ours = owner.pgids.filter((pgid) => liveGroupMembers(pgid).some((pid) => belongsTo(pid, dataDir)));
    await stopProcessGroups(ours);
    await rm(dataDir, { recursive: true, force: true });
    reaped.push(dataDir);
  }
  return reaped;
}
