// Child process of the tunnel benchmarks: kas's agent listener and Kubernetes API proxy in a process of their own, so
// kas's CPU time is measured apart from the load generator (and `--cpu-prof` profiles kas alone).
// Arguments: [agentToken] [--agents N] [--port P] [--tls-dir DIR] (bench-kas.ts startBenchKas; bench/swarm passes
// the last three so a restarted kas takes the port and certificates of the one before it).
// Prints {"agentUrl", "caFile", "proxyUrl", "proxyCaPem"} once listening; answers each empty stdin line with
// {"idle", "cpuUs"} (idle tunnels of agent 1, user + system CPU of this process), the line `swarm` (or `swarm gc`:
// after a GC, node runs with --expose-gc) with {"rss", "heap", "ready", "idle", "configStreams", "cpuUs"} (`ready`:
// agents 1..N with an idle tunnel, `idle`: their idle tunnels); exits on SIGTERM.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startBenchKas } from './bench-kas';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const agents = Number(flag('agents') ?? 0);
const port = Number(flag('port') ?? 0);
const tlsDir = flag('tls-dir') ?? mkdtempSync(join(tmpdir(), 'bench-kas-tls-'));
const [agentToken = 'mgt-bench-agent'] = args;
const { server, proxy } = await startBenchKas(agentToken, tlsDir, { agents, port });
process.stdout.write(
  `${JSON.stringify({ agentUrl: server.url, caFile: server.caFile, proxyUrl: proxy.url, proxyCaPem: proxy.caPem })}\n`,
);
process.on('SIGTERM', () => {
  // A clean exit, so --cpu-prof writes its profile.
  void Promise.race([
    Promise.all([proxy.stop(), server.stop(100)]),
    new Promise((r) => setTimeout(r, 1000)),
  ]).then(() => process.exit(0));
});
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('swarm')) {
    if (line.trim() === 'swarm gc') for (let i = 0; i < 3; i++) gc?.();
    let ready = 0;
    let idle = 0;
    for (let id = 1; id <= agents; id++) {
      const n = server.dialer.streamCounts(id).idle;
      idle += n;
      if (n > 0) ready++;
    }
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    const answer = { rss: m.rss, heap: m.heapUsed, ready, idle, configStreams: server.configStreams() };
    process.stdout.write(`${JSON.stringify({ ...answer, cpuUs: cpu.user + cpu.system })}\n`);
    continue;
  }
  const cpu = process.cpuUsage();
  const counts = server.dialer.streamCounts(1);
  process.stdout.write(`${JSON.stringify({ idle: counts.idle, cpuUs: cpu.user + cpu.system })}\n`);
}
