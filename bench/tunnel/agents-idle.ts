// Child process of the benchmarks: idle agentk instances (tunnel pool, registrar, config stream; no cluster), each
// with its own gRPC channel to kas. Prints "started" once every instance has its idle tunnels and its configuration
// stream (or, in `channel` mode, once every channel is connected).
// Usage: agents-idle.ts URL CA_FILE COUNT [OPTIONS_JSON]; OPTIONS_JSON is {"mode": "agentk" | "channel",
// "pool": {"minIdle", "scaleUpStep"}, "first", "sampleEvery"}:
// - `channel` opens each agent's TLS + HTTP/2 connection and no call at all (kas's first-call limit must be off), for
//   the connection's own share of an idle agent's cost;
// - agents are first..first+COUNT-1 (default first 1) with the tokens bench-kas.ts benchAgentTokens gives them;
// - with sampleEvery > 0, every agent with (id - 1) % sampleEvery === 0 gets a kubeconfig of a stand-in API server in
//   this process, so requests through kas's proxy reach it (bench/swarm).
import { connectivityState } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { z } from 'zod';
import { KubeConfig } from '@kubernetes/client-node';
import { connectToKas, startAgentk, type Agentk } from '@mooring/agentk';
import { startStandInApiServer } from '@mooring/modules/kubernetes_api/shared/testing/stand-in-api-server';

const Options = z.object({
  mode: z.enum(['agentk', 'channel']).default('agentk'),
  pool: z
    .object({ minIdle: z.number().int().min(1), scaleUpStep: z.number().int().min(1) })
    .partial()
    .optional(),
  first: z.number().int().min(1).default(1),
  sampleEvery: z.number().int().min(0).default(0),
});

const [url, caFile, countText, optionsJson] = process.argv.slice(2);
const count = Number(countText);
const options = Options.parse(JSON.parse(optionsJson ?? '{}'));
const logger = pino({ level: 'silent' });
const caCertPem = readFileSync(caFile!);
const ids = Array.from({ length: count }, (_, k) => options.first + k);
// A distinct header per agent keeps grpc-js from pooling every agent onto one shared connection.
const headers = (i: number): Array<[string, string]> => [['x-bench-agent', String(i)]];

const until = async (what: string, ready: () => boolean) => {
  const deadline = Date.now() + 180_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`agents-idle: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

async function standInKubeConfig(): Promise<KubeConfig> {
  const api = await startStandInApiServer('bench-sa-token');
  const ca = Buffer.from(api.target.tls.ca as string | Buffer);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: api.url, caData: ca.toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 'bench-sa-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

if (options.mode === 'channel') {
  const channels = ids.map((i) => {
    const kas = connectToKas({
      kasAddress: url!,
      token: `mgt-bench-${i}`,
      caCertPem,
      kasHeaders: headers(i),
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
  let sampledKubeConfig: KubeConfig | null = null;
  for (const i of ids) {
    const sampled = options.sampleEvery > 0 && (i - 1) % options.sampleEvery === 0;
    if (sampled) sampledKubeConfig ??= await standInKubeConfig();
    agents.push(
      await startAgentk({
        kasAddress: url!,
        token: `mgt-bench-${i}`,
        caCertPem,
        kubeConfig: sampled ? sampledKubeConfig : null,
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
