// One side of bench/watch's comparison (the direct path, the Mooring path), driven through protocol.ts.
import { readFileSync } from 'node:fs';
import type { commandClient, Memory } from './protocol';

export interface ViewerPath {
  name: 'direct' | 'mooring';
  ask: ReturnType<typeof commandClient>['ask'];
  /** Memory after a GC of the process that caches the pods: the direct informer, or agentk. */
  cacheMemory(): Promise<Memory>;
}

/** Resident memory of a process from /proc (no GC forced: agentk cannot be asked to collect). */
export function rssOfPid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(line.split(/\s+/)[1]) * 1024;
}
