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

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI on a real terminal: util-linux `script` gives it a pseudo-terminal, so stdin.isTTY is true and the password
 * prompt's echo handling is the real one. Each answer is typed only once its prompt appeared (as a person would:
 * typed earlier, the terminal itself would echo it before the CLI turned echo off). Everything the terminal showed
 * comes back as `stdout`.
 */
export function runCliOnTerminal(
  args: string[],
  options: {
    env: Record<string, string>;
    cwd: string;
    answers: { after: string; type: string }[];
    timeoutMs?: number;
  },
): Promise<CliResult> {
  const command = [process.execPath, '--import', tsxLoader, mainFile, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let stderr = '';
  const pending = [...options.answers];
  let seenUpTo = 0;
  child.stdout.on('data', (c: Buffer) => {
    screen += c.toString();
    const next = pending[0];
    if (next) {
      const at = screen.indexOf(next.after, seenUpTo);
      if (at >= 0) {
        seenUpTo = at + next.after.length;
        pending.shift();
        child.stdin.write(next.type);
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, stdout: screen, stderr });
    });
  });
}
