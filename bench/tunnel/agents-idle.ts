// Child process of the benchmark: N idle agentk instances (tunnel pool, registrar, config stream; no cluster), each
// with its own gRPC channel to kas. Prints "started" once every instance has its idle tunnels and its configuration
// stream (or, in `channel` mode, once every channel is connected).
// Usage: agents-idle.ts URL CA_FILE COUNT [OPTIONS_JSON]; OPTIONS_JSON is {"mode": "agentk" | "channel",
// "pool": {"minIdle", "scaleUpStep"}}: `channel` opens each agent's TLS + HTTP/2 connection and no call at all
// (kas's first-call limit must be off), for the connection's own share of an idle agent's cost.
import { connectivityState } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { z } from 'zod';
import { connectToKas, startAgentk, type Agentk } from '@mooring/agentk';

const Options = z.object({
  mode: z.enum(['agentk', 'channel']).default('agentk'),
  pool: z
    .object({ minIdle: z.number().int().min(1), scaleUpStep: z.number().int().min(1) })
    .partial()
    .optional(),
});

const [url, caFile, countText, optionsJson] = process.argv.slice(2);
const count = Number(countText);
const options = Options.parse(JSON.parse(optionsJson ?? '{}'));
const logger = pino({ level: 'silent' });
const caCertPem = readFileSync(caFile!);
// A distinct header per agent keeps grpc-js from pooling every agent onto one shared connection.
const headers = (i: number): Array<[string, string]> => [['x-bench-agent', String(i)]];

const until = async (what: string, ready: () => boolean) => {
  const deadline = Date.now() + 180_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`agents-idle: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

if (options.mode === 'channel') {
  const channels = Array.from({ length: count }, (_, i) => {
    const kas = connectToKas({
      kasAddress: url!,
      token: `mgt-bench-${i + 1}`,
      caCertPem,
      kasHeaders: headers(i + 1),
      userAgent: 'bench-agents-idle',
    });
    const channel = kas.clientOptions.channelOverride;
    channel.getConnectivityState(true);
    return channel;
  });
  await until('every channel to connect', () =>
    channels.every((c) => c.getConnectivityState(true) === connectivityState.READY),
  );
} else {
  const agents: Agentk[] = [];
  for (let i = 1; i <= count; i++) {
    agents.push(
      await startAgentk({
        kasAddress: url!,
        token: `mgt-bench-${i}`,
        caCertPem,
        kubeConfig: null,
        podName: `bench-${i}`,
        podNamespace: 'bench',
        kasHeaders: headers(i),
        pool: options.pool,
        logger,
      }),
    );
  }
  const minIdle = options.pool?.minIdle ?? 1;
  await until('every agent to have its idle tunnels and configuration', () =>
    agents.every((a) => {
      const s = a.poolStats();
      return s.connecting === 0 && s.idle >= minIdle && a.config() !== null;
    }),
  );
}
process.stdout.write('started\n');
setInterval(() => undefined, 1 << 30);
