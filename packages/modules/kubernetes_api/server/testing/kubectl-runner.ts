// Runs the built kubectl for the battery: one-shot commands, and long ones (watch, logs -f, port-forward) that the
// test reads while they run and then stops.
import { spawn } from 'node:child_process';

export interface KubectlRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  kubeconfig: string;
  env?: Record<string, string>;
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Leave stdin open until the command exits (a TTY session ends by itself, not by an early EOF). */
  keepStdinOpen?: boolean;
}

export function kubectlRun(kubectlPath: string, args: string[], options: RunOptions): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KUBECONFIG: options.kubeconfig,
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[battery] kubectl ${args.join(' ')} killed after ${options.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => undefined);
    if (options.keepStdinOpen) child.on('close', () => child.stdin.destroy());
    else child.stdin.end(options.stdin ?? '');
  });
}

export interface LongKubectl {
  output(): string;
  stderr(): string;
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export function kubectlLong(kubectlPath: string, args: string[], options: RunOptions): LongKubectl {
  const child = spawn(kubectlPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KUBECONFIG: options.kubeconfig,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  void exited.then(() => clearTimeout(guard));
  return {
    output: () => stdout,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
