// The Mooring side of bench/watch: real agentk (object_watch's agent half) connected through the real reverse tunnel
// to kas's ObjectWatchHub in a process of its own (kas-watch.ts), whose in-process viewers record what they receive.
import type { ChildProcess } from 'node:child_process';
import type { KubeCluster } from '@mooring/kube-dev';
import type { ViewerPath } from './viewer-path';

export interface MooringPathOptions {
  cluster: KubeCluster;
  /** A private temp dir of the run. */
  dir: string;
  spawnChild: (file: string, args: string[], nodeArgs?: string[], cwd?: string) => ChildProcess;
  profileArgs: string[];
  log: (line: string) => void;
}

/**
 * Starts kas (agent listener + ObjectWatchHub) and agentk; undefined while object_watch is not on main.
 * TODO(object_watch): wire kas-watch.ts and agentk once the module's two halves land.
 */
export function startMooringPath(_options: MooringPathOptions): Promise<ViewerPath | undefined> {
  return Promise.resolve(undefined);
}
