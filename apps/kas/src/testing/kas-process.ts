// A real kas process for integration tests: the production bundle (`pnpm build` → apps/kas/dist/kas.mjs) run by
// plain node, so what ships is what is tested and a signal — SIGKILL included — reaches kas itself. Its output is
// kept. Every test and the local launcher start kas processes through this one function.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '@mooring/modules/shared/testing/until';
import { builtBundle } from '../../../../scripts/build/locate';

const kasDir = fileURLToPath(new URL('../..', import.meta.url));

/** Every listener on a free loopback port. */
export const kasProcessPorts = {
  MOORING_API_PORT: '0',
  MOORING_OBSERVABILITY_PORT: '0',
  MOORING_AGENT_PORT: '0',
  MOORING_PROXY_PORT: '0',
  MOORING_PRIVATE_API_PORT: '0',
} as const;

export interface KasProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the listeners' URLs from the "kas is ready" line; rejects naming the output if kas exits first. */
  ready(timeoutMs?: number): Promise<Record<string, string> & { api: string }>;
}

export interface SpawnKasOptions {
  /** Every output chunk is also written here (a log file). */
  log?: NodeJS.WritableStream;
  /** Keep only the last this many characters of each output in memory (a long-running launcher's kas). */
  keepChars?: number;
}

export function spawnKas(
  env: Record<string, string>,
  args: string[] = [],
  options: SpawnKasOptions = {},
): KasProcess {
  const child = spawn(process.execPath, [builtBundle('kas'), ...args], {
    cwd: kasDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  // Found once and kept: the bounded output may drop it later.
  let ready: string | undefined;
  const keep = (text: string) =>
    options.keepChars !== undefined && text.length > options.keepChars
      ? text.slice(-options.keepChars)
      : text;
  child.stdout!.on('data', (c: Buffer) => {
    options.log?.write(c);
    stdout = stdout + c.toString();
    ready ??= stdout
      .split('\n')
      .find((l) => l.includes('"kas is ready"') && l.trim().endsWith('}'))
      ?.trim();
    stdout = keep(stdout);
  });
  child.stderr!.on('data', (c: Buffer) => {
    options.log?.write(c);
    stderr = keep(stderr + c.toString());
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const readyLine = () => ready;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async ready(timeoutMs = 60_000) {
      const line = await until(
        () => `kas (pid ${child.pid}) to be ready: ${stderr.slice(-2000)}`,
        () => readyLine() ?? (child.exitCode !== null && { exitCode: child.exitCode }),
        timeoutMs,
      );
      if (typeof line !== 'string')
        throw new Error(`kas exited ${line.exitCode} before it was ready: ${stderr.slice(-2000)}`);
      return (JSON.parse(line) as { urls: Record<string, string> & { api: string } }).urls;
    },
  };
}
