// How bench/watch/run.ts drives its viewer processes (direct-viewers.ts, kas-watch.ts): one JSON command per stdin
// line, one JSON answer per stdout line, in order. Both children speak it, so the run treats the direct path and the
// Mooring path alike.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';

export const commandSchema = z.discriminatedUnion('cmd', [
  /** What the child needs to tell the run before anything else (kas: where agentk connects). */
  z.object({ cmd: z.literal('info') }),
  /** Opens `viewers` watches of pods in `namespace` (label selector optional); answers once every one is live. */
  z.object({
    cmd: z.literal('open'),
    viewers: z.number().int().min(1).max(1000),
    namespace: z.string().optional(),
    labelSelector: z.string().optional(),
  }),
  /** Arrival times (epoch ms) of every `seq` label seen since the last report, per viewer; then forgets them. */
  z.object({ cmd: z.literal('report') }),
  /** Ends every open watch. */
  z.object({ cmd: z.literal('close') }),
  /** Memory after a GC (the children run with --expose-gc). */
  z.object({ cmd: z.literal('mem') }),
  /** Keeps every pod of the cluster in memory (a direct informer, or a Mooring viewer on all namespaces). */
  z.object({ cmd: z.literal('cache') }),
  /** Pods held by the `cache` command's watch. */
  z.object({ cmd: z.literal('count') }),
]);
export type Command = z.infer<typeof commandSchema>;

export interface Memory {
  rss: number;
  heap: number;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Arrival times of `seq` labels, per viewer: what `report` answers. */
export class Arrivals {
  private readonly seen = new Map<string, number[]>();

  note(seq: string | undefined, at = epochMs()): void {
    if (seq === undefined) return;
    const list = this.seen.get(seq);
    if (list) list.push(at);
    else this.seen.set(seq, [at]);
  }

  take(): Record<string, number[]> {
    const out = Object.fromEntries(this.seen);
    this.seen.clear();
    return out;
  }
}

export function memory(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** The child's side: answers each command with `handle`'s result (or `{error}`), one line each. */
export async function serveCommands(handle: (command: Command) => Promise<unknown>): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let answer: unknown;
    try {
      answer = await handle(commandSchema.parse(JSON.parse(line)));
    } catch (error) {
      answer = { error: (error as Error).message };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

/** The parent's side: `ask(command)` resolves with the child's answer (throws its error, or on a timeout). */
export function commandClient(child: ChildProcess, name: string) {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T>(command: Command, timeoutMs = 120_000): Promise<T> => {
    const run = queue.then(async () => {
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        lines.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${name}: no answer to ${command.cmd} in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (next.done) throw new Error(`${name} exited before answering ${command.cmd}`);
      const answer = JSON.parse(next.value as string) as T & { error?: string };
      if (answer.error) throw new Error(`${name}: ${command.cmd}: ${answer.error}`);
      return answer;
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return { ask };
}
