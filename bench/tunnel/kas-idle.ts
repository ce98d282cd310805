// Child process of the benchmark: kas's agent listener alone, for measuring memory per idle connected agent.
// Prints {"url", "caFile"} once listening; answers each stdin line with {"rss", "heap", "idle"} after a GC.
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { benchAgentTokens } from './bench-kas';

const agents = Number(process.argv[2] ?? 100);
const server = await startAgentApiServer({
  port: 0,
  tls: { mode: 'self-signed', dir: mkdtempSync(join(tmpdir(), 'bench-kas-tls-')) },
  verifyAgentToken: inTestTokenVerifier(benchAgentTokens(agents)),
  logger: pino({ level: 'silent' }),
});
process.stdout.write(`${JSON.stringify({ url: server.url, caFile: server.caFile })}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
for await (const _line of createInterface({ input: process.stdin })) {
  for (let i = 0; i < 3; i++) gc?.();
  let idle = 0;
  for (let id = 1; id <= agents; id++) idle += server.dialer.streamCounts(id).idle;
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss: m.rss, heap: m.heapUsed, idle })}\n`);
}
await server.stop(100);
