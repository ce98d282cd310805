// agentk's memory after a GC, asked through its V8 inspector (agentk runs with --inspect=127.0.0.1:0 in bench/watch):
// without a GC, RSS swings by tens of MiB with whatever garbage the last burst of events left. Node 20 has WebSocket
// only behind --experimental-websocket, so a short-lived child does the asking.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Memory } from './protocol';

const run = promisify(execFile);

// Runs in `node --experimental-websocket -e`: HeapProfiler.collectGarbage, then process.memoryUsage() of the target.
const probe = `
const ws = new WebSocket(process.argv[1]);
const send = (id, method, params = {}) => ws.send(JSON.stringify({ id, method, params }));
const timer = setTimeout(() => { console.error('inspector: no answer in 30 s'); process.exit(1); }, 30000);
ws.onopen = () => { send(1, 'HeapProfiler.collectGarbage'); send(2, 'HeapProfiler.collectGarbage'); };
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id === 2) send(3, 'Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  if (msg.id === 3) { clearTimeout(timer); console.log(msg.result.result.value); ws.close(); }
};
ws.onerror = (e) => { console.error('inspector: ' + (e.message || 'error')); process.exit(1); };
`;

/** The inspector's WebSocket URL from the target's stderr ("Debugger listening on ws://…"). */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

export async function memoryAfterGc(url: string): Promise<Memory> {
  const { stdout } = await run(
    process.execPath,
    ['--experimental-websocket', '--no-warnings', '-e', probe, url],
    {
      timeout: 40_000,
    },
  );
  const usage = JSON.parse(stdout) as { rss: number; heapUsed: number };
  return { rss: usage.rss, heap: usage.heapUsed };
}
