// A real agentk process for tests: the production bundle (`pnpm build` → apps/agentk/dist/agentk.mjs) run by plain
// node with the given flags and environment, its output kept. Every test (and e2e) that starts agentk as a process
// goes through this one function, so what ships is what is tested.
import { spawn, type ChildProcess } from 'node:child_process';
import { builtBundle } from '../../../../scripts/build/locate';

export interface AgentkProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** The observability URL agentk logged (with --observability-listen-address), once it did. */
  observabilityUrl(): string | undefined;
  exited: Promise<number | null>;
  /** SIGTERM (agentk finishes calls in flight), SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface SpawnAgentkProcessOptions {
  /** Relative file flags resolve against this directory (default: the test's). */
  cwd?: string;
}

/** `node apps/agentk/dist/agentk.mjs <args>` with PATH and HOME plus `env` (POD_NAME, POD_NAMESPACE, …). */
export function spawnAgentkProcess(
  args: string[],
  env: Record<string, string>,
  options: SpawnAgentkProcessOptions = {},
): AgentkProcess {
  const child = spawn(process.execPath, [builtBundle('agentk'), ...args], {
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    observabilityUrl: () => /observability listening on (http:\/\/\S+?)"/.exec(output)?.[1],
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(timer));
      }
      return exited;
    },
  };
}
