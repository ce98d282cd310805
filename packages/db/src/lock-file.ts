// PGlite is one connection in one process: the data dir belongs to exactly one kas. The lock file
// holds the owner's pid so a second kas can say who holds it, and a lock left by a crashed kas
// (dead pid) is taken over instead of blocking forever.
import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly pid: number,
    readonly dataDir: string,
  ) {
    super(
      `another kas (pid ${pid}) is using ${dataDir}; stop it or set MOORING_DATA_DIR to another directory`,
    );
    this.name = 'DataDirLockedError';
  }
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** Takes `<dataDir>/kas.lock` or throws DataDirLockedError naming the holder. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'kas.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue; // removed between our write and read: try again
    }
    // A pid in the file that is alive (including our own: the same process opening twice) holds it.
    if (Number.isInteger(holder) && holder > 0 && pidIsAlive(holder)) {
      throw new DataDirLockedError(holder, dataDir);
    }
    fs.rmSync(file, { force: true }); // stale: its owner is gone
  }
  throw new Error(`could not take the lock file ${file}; remove it if no kas is running`);
}
