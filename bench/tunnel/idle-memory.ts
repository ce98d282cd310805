// kas memory per idle connected agent: kas's agent listener (kas-idle.ts) in a process of its own, sampled after a
// GC with no agent and again with `count` idle agentk instances connected (agents-idle.ts, each with its own TLS
// connection). Per agent = (at N − at 0) ÷ N. Shared by bench/tunnel/run.ts, bench/tunnel/idle-breakdown.ts and
// bench/peers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const here = fileURLToPath(new URL('.', import.meta.url));

const Sample = z.object({
  rss: z.number(),
  heap: z.number(),
  heapTotal: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
  idle: z.number(),
  active: z.number(),
  configStreams: z.number(),
});
export type KasIdleSample = z.infer<typeof Sample>;

export interface IdleMemoryOptions {
  count: number;
  /** agents-idle.ts's options: `channel` opens connections without calls; `pool` sets agentk's pool. */
  agents?: { mode?: 'agentk' | 'channel'; pool?: { minIdle?: number; scaleUpStep?: number } };
  /** Heap snapshots of kas with no agent and with `count` (`<prefix>-0.heapsnapshot`, `<prefix>-N.heapsnapshot`). */
  snapshotPrefix?: string;
  /** Every child process is handed here as it starts (the caller kills what is left on exit). */
  track?: (child: ChildProcess) => void;
  log?: (line: string) => void;
}

export interface IdleMemory {
  before: KasIdleSample;
  after: KasIdleSample;
  /** (after − before) ÷ count, KiB, for each memory figure. */
  perAgentKiB: { rss: number; heap: number; external: number; arrayBuffers: number };
  /** Established TCP connections to kas's agent port. */
  connections: number;
}

function spawnTsx(file: string, args: string[], nodeArgs: string[], track?: (c: ChildProcess) => void) {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    cwd: here,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track?.(child);
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    tail = (tail + d.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    async nextLine(): Promise<string> {
      const next = await lines.next();
      if (next.done) throw new Error(`${file} ended early: ${tail}`);
      return next.value as string;
    },
  };
}

async function establishedTo(port: string): Promise<number> {
  const out = await new Promise<string>((resolve) => {
    const c = spawn('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
    let o = '';
    c.stdout.on('data', (d: Buffer) => (o += d.toString()));
    c.on('close', () => resolve(o));
    c.on('error', () => resolve(''));
  });
  return out.split('\n').filter(Boolean).length;
}

export async function measureIdleMemory(o: IdleMemoryOptions): Promise<IdleMemory> {
  const mode = o.agents?.mode ?? 'agentk';
  const kasArgs = [String(o.count), ...(mode === 'channel' ? ['--no-first-call-limit'] : [])];
  const kas = spawnTsx('kas-idle.ts', kasArgs, ['--expose-gc'], o.track);
  let agents: ChildProcess | null = null;
  try {
    const { url, caFile } = z
      .object({ url: z.string(), caFile: z.string() })
      .parse(JSON.parse(await kas.nextLine()));
    const sample = async (snapshot?: string) => {
      kas.child.stdin!.write(snapshot ? `snapshot ${snapshot}\n` : '\n');
      return Sample.parse(JSON.parse(await kas.nextLine()));
    };
    await new Promise((r) => setTimeout(r, 1000));
    const before = await sample(o.snapshotPrefix && `${o.snapshotPrefix}-0.heapsnapshot`);
    const started = spawnTsx(
      'agents-idle.ts',
      [url, caFile, String(o.count), JSON.stringify(o.agents ?? {})],
      [],
      o.track,
    );
    agents = started.child;
    const line = await started.nextLine();
    if (line !== 'started') throw new Error(`agents-idle.ts said ${line}`);
    // Let kas finish what the connects left behind (handshake buffers, first frames) before the sample.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await sample(o.snapshotPrefix && `${o.snapshotPrefix}-${o.count}.heapsnapshot`);
    const per = (k: 'rss' | 'heap' | 'external' | 'arrayBuffers') => (after[k] - before[k]) / o.count / 1024;
    const connections = await establishedTo(new URL(url.replace(/^grpcs?:/, 'http:')).port);
    o.log?.(
      `${o.count} agents (${JSON.stringify(o.agents ?? {})}): ${after.idle} idle tunnels, ${after.configStreams} config streams, ${connections} TCP conns; RSS ${per('rss').toFixed(1)} KiB/agent`,
    );
    return {
      before,
      after,
      perAgentKiB: {
        rss: per('rss'),
        heap: per('heap'),
        external: per('external'),
        arrayBuffers: per('arrayBuffers'),
      },
      connections,
    };
  } finally {
    agents?.kill('SIGKILL');
    kas.child.kill('SIGKILL');
  }
}
