import { lastLogLines, type SupervisedProcess } from './processes';

export interface WaitOptions {
  /** What we are waiting for, as a user would say it ("kube-apiserver /readyz"). */
  what: string;
  /** The component whose log explains a timeout. */
  component: SupervisedProcess;
  /** Every process of the cluster: if one exits meanwhile, fail at once with its log. */
  processes: SupervisedProcess[];
  timeoutMs: number;
  intervalMs?: number;
}

/** Polls `check` until it returns a value; `check` throws or returns undefined to mean "not yet". */
export async function waitUntil<T>(options: WaitOptions, check: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  let lastProblem = 'no answer yet';
  for (;;) {
    const exited = options.processes.find((process) => process.exit);
    if (exited) {
      throw new Error(
        `kube-dev: ${exited.component} exited (${describeExit(exited)}) while waiting for ${options.what}. ` +
          `Last lines of ${exited.logPath}:\n${await lastLogLines(exited.logPath)}`,
      );
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(
        `kube-dev: timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what} ` +
          `(last problem: ${lastProblem}). Last lines of ${options.component.component}'s log ${options.component.logPath}:\n` +
          (await lastLogLines(options.component.logPath)),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

function describeExit(process: SupervisedProcess): string {
  const exit = process.exit;
  if (!exit) return 'running';
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
