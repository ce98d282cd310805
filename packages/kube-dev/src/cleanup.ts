import { rmSync } from 'node:fs';
import { killProcessGroupsSync } from './processes';

interface Registered {
  pgids: number[];
  dirs: string[];
}

const live = new Set<Registered>();
let installed = false;

function cleanAllSync(): void {
  for (const entry of live) {
    killProcessGroupsSync(entry.pgids);
    for (const dir of entry.dirs) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanAllSync();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // Re-raise so the process ends the way it would have without us (unless others handle it).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Registers a cluster's process groups and temp dirs to be killed/removed if this process exits,
 * is interrupted or terminated before stop() runs, so a crashing test run leaves nothing behind.
 */
export function registerForCleanup(pgids: number[], dirs: string[]): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', cleanAllSync);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const entry = { pgids, dirs };
  live.add(entry);
  return () => live.delete(entry);
}
