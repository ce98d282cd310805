// Child process of the tunnel benchmarks: kas's agent listener and Kubernetes API proxy in a process of their own, so
// kas's CPU time is measured apart from the load generator (and `--cpu-prof` profiles kas alone).
// Prints {"agentUrl", "caFile", "proxyUrl", "proxyCaPem"} once listening; answers each stdin line with
// {"idle", "cpuUs"} (idle tunnels of agent 1, user + system CPU of this process); exits on SIGTERM.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startBenchKas } from './bench-kas';

const [agentToken = 'mgt-bench-agent'] = process.argv.slice(2);
const { server, proxy } = await startBenchKas(agentToken, mkdtempSync(join(tmpdir(), 'bench-kas-tls-')));
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
for await (const _line of createInterface({ input: process.stdin })) {
  const cpu = process.cpuUsage();
  const counts = server.dialer.streamCounts(1);
  process.stdout.write(`${JSON.stringify({ idle: counts.idle, cpuUs: cpu.user + cpu.system })}\n`);
}
