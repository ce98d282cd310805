import { spawn } from 'node:child_process';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface KubectlOptions {
  kubeconfig: string;
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs the built kubectl; never throws on a non-zero exit (check `code`). */
export function runKubectl(
  kubectlPath: string,
  args: string[],
  options: KubectlOptions,
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath, args, {
      env: { ...process.env, KUBECONFIG: options.kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\nkube-dev: kubectl ${args.join(' ')} timed out after ${options.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (error.name === 'AbortError') resolve({ stdout, stderr, code: null });
      else reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** Like runKubectl but throws with kubectl's stderr when it fails. */
export async function kubectlOrThrow(
  kubectlPath: string,
  args: string[],
  options: KubectlOptions,
): Promise<string> {
  const result = await runKubectl(kubectlPath, args, options);
  if (result.code !== 0) {
    throw new Error(
      `kubectl ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
}
