// Runs the Go load client (bench/peers/loadclient) once against one path and reads its JSON line.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { track } from './children';
import type { PathName } from './table';

/** Where the load client points for one path, and the processes whose CPU the path is charged. */
export interface PathTarget {
  name: PathName;
  /** Base URL; the Kubernetes path is appended. */
  base: string;
  caFile: string;
  tokenFile: string;
  processes: Record<string, number>;
}

export const LoadResult = z.object({
  mode: z.enum(['latency', 'concurrent', 'throughput']),
  proto: z.string(),
  requests: z.number().int(),
  total_requests: z.number().int(),
  seconds: z.number(),
  p50_us: z.number().optional(),
  p99_us: z.number().optional(),
  rps: z.number().optional(),
  bytes: z.number().optional(),
  mibps: z.number().optional(),
});
export type LoadResult = z.infer<typeof LoadResult>;

export interface LoadRun {
  mode: LoadResult['mode'];
  urlPath: string;
  n: number;
  workers: number;
  http2: boolean;
}

export function runLoad(loadclient: string, target: PathTarget, run: LoadRun): Promise<LoadResult> {
  const args = ['-mode', run.mode, '-url', target.base + run.urlPath, '-ca', target.caFile];
  args.push('-token-file', target.tokenFile, '-n', String(run.n), '-workers', String(run.workers));
  args.push('-timeout', '10m');
  if (run.http2) args.push('-http2');
  const what = `${target.name} ${run.mode} ${run.urlPath}`;
  return new Promise((resolve, reject) => {
    const child = track(spawn(loadclient, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${what}: ${err.trim() || `exit ${code}`}`));
      try {
        resolve(LoadResult.parse(JSON.parse(out)));
      } catch (error) {
        reject(new Error(`${what}: the load client printed ${out.slice(0, 300)}: ${String(error)}`));
      }
    });
  });
}
