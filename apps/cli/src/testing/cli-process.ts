// The `mooring` CLI as a real process for tests: main.ts under node with tsx as a loader, real argv, stdin written
// and closed, the environment given (nothing inherited but PATH, so the user's ~/.config is never touched).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const mainFile = fileURLToPath(new URL('../main.ts', import.meta.url));
// By URL: a bare `--import tsx` would be resolved from the test's working directory (a temp dir), not from here.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env: Record<string, string>; cwd: string; stdin?: string; timeoutMs?: number },
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', tsxLoader, mainFile, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
