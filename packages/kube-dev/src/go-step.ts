// One `go` invocation with progress lines and an error that names the failing step: the Kubernetes build
// (build.ts) and the benchmarks' Go tools (bench/peers/build.ts) share it.
import { spawn } from 'node:child_process';
import type { BuildStep } from './build-plan';

export type Log = (line: string) => void;
export type GoStep = Pick<BuildStep, 'label' | 'cwd' | 'args' | 'env'>;

const progressEveryMs = 15_000;

/**
 * Runs one go command, printing elapsed time every 15 s; resolves with its stdout. Lines and the error start with
 * `who` (default `kube-dev`) so a reader knows which build spoke.
 */
export function runGoStep(step: GoStep, env: NodeJS.ProcessEnv, log: Log, who = 'kube-dev'): Promise<string> {
  const started = Date.now();
  log(`${who}: [${step.label}] go ${step.args.filter((arg) => !arg.startsWith('-X')).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn('go', step.args, {
      cwd: step.cwd,
      env: { ...env, ...step.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const tail: string[] = [];
    const remember = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
      if (tail.length > 40) tail.splice(0, tail.length - 40);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      remember(chunk);
    });
    child.stderr.on('data', remember);
    const ticker = setInterval(
      () => log(`${who}: [${step.label}] still building, ${seconds(started)} s`),
      progressEveryMs,
    );
    const fail = (why: string) =>
      reject(
        new Error(
          `${who} build step "${step.label}" failed (${why}) after ${seconds(started)} s in ${step.cwd}.\n` +
            `Last lines of go's output:\n${tail.slice(-25).join('\n')}`,
        ),
      );
    child.on('error', (error) => {
      clearInterval(ticker);
      fail(error.message);
    });
    child.on('close', (code, signal) => {
      clearInterval(ticker);
      if (code === 0) {
        log(`${who}: [${step.label}] done in ${seconds(started)} s`);
        resolve(stdout);
      } else fail(signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
