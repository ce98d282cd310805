// The peers benchmark's helper processes: started with piped stdio, remembered, and stopped together at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const children: ChildProcess[] = [];

/** A long-running helper process whose stderr tail explains its death. */
export interface Child {
  name: string;
  pid: number;
  /** The next line of its stdout; rejects with its stderr tail if it exits first. */
  nextLine(): Promise<string>;
  write(text: string): void;
  /** Ends it now (SIGKILL): a helper whose figures were read. */
  stop(): void;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Child {
  const child = track(
    spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const tail: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    tail.push(...d.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) =>
      reject(new Error(`${name} exited (${signal ?? code}) early:\n${tail.join('\n')}`)),
    );
    // A command that cannot be spawned (ENOENT, EACCES) reports here, not as an exit; unhandled, it would end the run.
    child.on('error', (error) => reject(new Error(`could not start ${name} (${command}): ${error.message}`)));
  });
  exited.catch(() => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  return {
    name,
    pid: child.pid,
    nextLine: async () => {
      const next = await Promise.race([lines.next(), exited]);
      if (next.done) throw new Error(`${name} closed its output:\n${tail.join('\n')}`);
      return next.value;
    },
    write: (text) => void child.stdin!.write(text),
    stop: () => void child.kill('SIGKILL'),
  };
}

/** Remembers a process so stopChildren() and the exit handler end it. */
export function track(child: ChildProcess): ChildProcess {
  children.push(child);
  return child;
}

const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
const settle = async () => {
  for (let i = 0; i < 20 && running().length; i++) await new Promise((r) => setTimeout(r, 100));
};

/** Closes every helper's stdin (the Go harness and kas stop on that), then SIGTERM, then SIGKILL. */
export async function stopChildren(): Promise<void> {
  for (const c of running()) c.stdin?.end();
  await settle();
  for (const c of running()) c.kill('SIGTERM');
  await settle();
  killChildren();
}

/** Last resort on the way out: SIGKILL whatever still runs. */
export function killChildren(): void {
  for (const c of running()) c.kill('SIGKILL');
}
