// The peers benchmark's idle-agent row: server RSS per idle connected agent, (RSS at N − RSS at 0) ÷ N after a GC,
// TLS on, each agent on a connection of its own. Mooring: kas's agent listener (bench/tunnel/kas-idle.ts) with N
// idle agentk instances (bench/tunnel/agents-idle.ts). remotedialer: a fresh harness server with N sessions from
// `rdharness idle-agents` (a websocket each); its RSS is read after runtime.GC and debug.FreeOSMemory.
import { z } from 'zod';
import { measureIdleMemory } from '../tunnel/idle-memory';
import { startChild, track } from './children';
import type { PathTarget } from './load';
import { startRemotedialerServer } from './paths';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

export async function mooringIdleKiB(count: number): Promise<number> {
  const m = await measureIdleMemory({ count, track, log: (l) => log(`Mooring idle: ${l}`) });
  if (m.after.idle < count)
    throw new Error(`Mooring idle: only ${m.after.idle} idle tunnels for ${count} agents`);
  return m.perAgentKiB.rss;
}

const Sample = z.object({ rss: z.number(), sessions: z.number(), goroutines: z.number() });

export async function remotedialerIdleKiB(
  rdharness: string,
  direct: PathTarget,
  dir: string,
  count: number,
): Promise<number> {
  const { server, ready, agentToken } = await startRemotedialerServer(rdharness, direct, dir, 'rd-idle');
  const sample = async () => {
    server.write('\n');
    return Sample.parse(JSON.parse(await server.nextLine()));
  };
  await new Promise((r) => setTimeout(r, 1000));
  const before = await sample();
  const idle = startChild('remotedialer idle agents', rdharness, [
    'idle-agents',
    '-connect',
    `${ready.url.replace(/^https:/, 'wss:')}/connect`,
    '-ca-file',
    ready.caFile,
    '-token-file',
    agentToken,
    '-count',
    String(count),
    '-cluster-address',
    new URL(direct.base).host,
  ]);
  const line = await idle.nextLine();
  if (line !== 'started') throw new Error(`rdharness idle-agents said ${line}`);
  await new Promise((r) => setTimeout(r, 3000));
  const after = await sample();
  if (after.sessions < count)
    throw new Error(`remotedialer idle: the server holds ${after.sessions} sessions, not ${count}`);
  const kib = (after.rss - before.rss) / count / 1024;
  log(
    `remotedialer idle: ${count} agents: ${after.sessions} sessions, ${after.goroutines - before.goroutines} goroutines; RSS ${kib.toFixed(1)} KiB/agent`,
  );
  idle.stop();
  server.stop();
  return kib;
}
