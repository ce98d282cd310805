// Files kas creates are private to the user running it: the PGlite data directory holds every
// token hash, session and encrypted key, and `nobody` must not be able to read or overwrite it
// (PGlite unpacks a new database with mode 0666 files; what it creates later follows the umask).
// makePrivateDir sets the process umask to 077 before anything is created, so every later file
// (PGlite's new WAL segments, relations, logs) is 0600 and every directory 0700, and tightens what
// already exists under the directory. Only what cannot be tightened (owned by another user) stops kas.
import fs from 'node:fs';
import path from 'node:path';

export class PrivateDirError extends Error {
  override name = 'PrivateDirError';
}

/** Makes later files of this process private (umask 077); false where a umask cannot be set. */
export function usePrivateUmask(): boolean {
  try {
    process.umask(process.umask() | 0o077);
    return true;
  } catch {
    // Worker threads cannot change the process umask; makePrivateDir still tightens what exists.
    return false;
  }
}

/**
 * Creates `dir` (0700) if needed and removes group/other permissions from it and everything below
 * it that this user owns. Returns how many entries were tightened. Throws PrivateDirError naming
 * the first entry that is open to others and cannot be changed (another user's file).
 */
export function makePrivateDir(dir: string): { tightened: number } {
  usePrivateUmask();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let tightened = 0;
  const pending = [path.resolve(dir)];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const stat = fs.lstatSync(current);
    // A symlink's own mode means nothing, and following it could leave the directory.
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory())
      for (const name of fs.readdirSync(current)) pending.push(path.join(current, name));
    if ((stat.mode & 0o077) === 0) continue;
    try {
      fs.chmodSync(current, stat.mode & 0o700);
      tightened++;
    } catch (err) {
      throw new PrivateDirError(
        `${current} is open to other users (mode ${(stat.mode & 0o777).toString(8)}) and kas cannot make it private (${(err as NodeJS.ErrnoException).code}); run chmod go-rwx on it, or chown it to the user running kas`,
        { cause: err },
      );
    }
  }
  return { tightened };
}
