// Child process of the benchmark: kas's agent listener alone, for measuring memory per idle connected agent.
// Usage: kas-idle.ts AGENTS [--no-first-call-limit] (the limit closes a connection that opens no call, which the
// `channel` mode of agents-idle.ts does on purpose). Prints {"url", "caFile"} once listening; answers each stdin line
// with a sample (memory after a GC, open tunnels and configuration streams); a line `snapshot FILE` writes a heap
// snapshot there first.
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { DEFAULT_LISTENER_TIMEOUTS } from '@mooring/modules/shared/listener-timeouts';
import { benchAgentTokens } from './bench-kas';

const agents = Number(process.argv[2] ?? 100);
const noFirstCallLimit = process.argv.includes('--no-first-call-limit');
const server = await startAgentApiServer({
  port: 0,
  tls: { mode: 'self-signed', dir: mkdtempSync(join(tmpdir(), 'bench-kas-tls-')) },
  verifyAgentToken: inTestTokenVerifier(benchAgentTokens(agents)),
  logger: pino({ level: 'silent' }),
  timeouts: noFirstCallLimit ? { ...DEFAULT_LISTENER_TIMEOUTS, firstCallMs: 3600_000 } : undefined,
});
process.stdout.write(`${JSON.stringify({ url: server.url, caFile: server.caFile })}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of createInterface({ input: process.stdin })) {
  for (let i = 0; i < 3; i++) gc?.();
  const snapshot = /^snapshot (.+)$/.exec(line)?.[1];
  if (snapshot) writeHeapSnapshot(snapshot);
  let idle = 0;
  let active = 0;
  for (const a of server.registry.agents()) {
    idle += a.idle;
    active += a.active;
  }
  const m = process.memoryUsage();
  const sample = {
    rss: m.rss,
    heap: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    idle,
    active,
    configStreams: server.configStreams(),
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}
await server.stop(100);
