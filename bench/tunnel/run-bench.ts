// How every benchmark runs its main: an error is printed and sets a failing exit code, child processes still alive
// are killed, and the process exits shortly after even if a handle (a socket, a timer) would keep it up.
import type { ChildProcess } from 'node:child_process';

export function runBench(main: () => Promise<void>, killChildren: () => void): void {
  main()
    .catch((error: unknown) => {
      console.error(error instanceof Error ? `bench: ${error.stack ?? error.message}` : error);
      process.exitCode = 1;
    })
    .finally(() => {
      killChildren();
      setTimeout(() => process.exit(), 500).unref();
    });
}

/** Kills what is still running of `children` (SIGKILL: the benchmark is over). */
export function killAll(children: readonly ChildProcess[]): () => void {
  return () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
}
