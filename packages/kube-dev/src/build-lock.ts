// One kube-dev build per cache directory at a time: `<dir>/.build.lock` holds the builder's pid. A second process
// (another `npm test`, a test's global setup) waits for it instead of building the same binaries on the same cores;
// a lock left by a process that died is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './orphans';

const buildLockFile = '.build.lock';

/** Takes `<dir>/.build.lock` (holding our pid); waits while a live process holds it, takes over a dead one's. */
export async function acquireBuildLock(
  dir: string,
  log: (line: string) => void,
  pollMs = 2_000,
): Promise<() => Promise<void>> {
  const path = join(dir, buildLockFile);
  let waitingSince: number | null = null;
  for (;;) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      if (waitingSince !== null)
        log(`kube-dev: the other build finished after ${Math.round((Date.now() - waitingSince) / 1000)} s`);
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (waitingSince === null) {
      waitingSince = Date.now();
      log(`kube-dev: another process (pid ${holder}) is building into ${dir}; waiting for it`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
