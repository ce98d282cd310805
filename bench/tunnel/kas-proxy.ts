// Child process of the tunnel benchmarks: kas's agent listener and Kubernetes API proxy in a process of their own, so
// kas's CPU time is measured apart from the load generator (and `--cpu-prof` profiles kas alone).
// Prints {"agentUrl", "caFile", "proxyUrl", "proxyCaPem"} once listening; answers each stdin line with
// {"idle", "cpuUs"} (idle tunnels of agent 1, user + system CPU of this process); exits on SIGTERM.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { startKubernetesApiProxy } from '@mooring/modules/kubernetes_api/server/index';

const [agentToken = 'mgt-bench-agent'] = process.argv.slice(2);
const server = await startAgentApiServer({
  port: 0,
  tls: { mode: 'self-signed', dir: mkdtempSync(join(tmpdir(), 'bench-kas-tls-')) },
  verifyAgentToken: inTestTokenVerifier({ [agentToken]: { agentId: 1, tokenId: 1, projectId: 1 } }),
  logger: pino({ level: 'silent' }),
});
// FAKE authenticator (the benchmark has no database): every caller is allowed on agent 1 as the agent.
const proxy = await startKubernetesApiProxy({
  port: 0,
  dialer: server.dialer,
  authenticate: async (c) => ({
    kind: 'user',
    agentId: c.agentId,
    configProjectId: 1,
    accessType: 'personal_access_token',
    user: { id: 1, username: 'bench' },
    accessAs: { agent: {} },
    projects: [],
    groups: [],
  }),
});
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
