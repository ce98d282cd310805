// Child process of the benchmarks: idle agentk instances (tunnel pool, registrar, config stream; no cluster), each
// with its own gRPC channel to kas. Arguments: url caFile count [first] [sampleEvery]: agents first..first+count-1
// (default first 1) with the tokens bench-kas.ts benchAgentTokens gives them; with sampleEvery > 0, every agent with
// (id - 1) % sampleEvery === 0 gets a kubeconfig of a stand-in API server in this process, so requests through kas's
// proxy reach it (bench/swarm). Prints `started` once every agentk is started.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { KubeConfig } from '@kubernetes/client-node';
import { startAgentk } from '@mooring/agentk';
import { startStandInApiServer } from '@mooring/modules/kubernetes_api/shared/testing/stand-in-api-server';

const [url, caFile, countText, firstText = '1', sampleEveryText = '0'] = process.argv.slice(2);
const count = Number(countText);
const first = Number(firstText);
const sampleEvery = Number(sampleEveryText);
const logger = pino({ level: 'silent' });
const caCertPem = readFileSync(caFile!);

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
let sampledKubeConfig: KubeConfig | null = null;
for (let i = first; i < first + count; i++) {
  const sampled = sampleEvery > 0 && (i - 1) % sampleEvery === 0;
  if (sampled) sampledKubeConfig ??= await standInKubeConfig();
  await startAgentk({
    kasAddress: url!,
    token: `mgt-bench-${i}`,
    caCertPem,
    kubeConfig: sampled ? sampledKubeConfig : null,
    podName: `bench-${i}`,
    podNamespace: 'bench',
    // A distinct header per agent keeps grpc-js from pooling every agent onto one shared connection.
    kasHeaders: [['x-bench-agent', String(i)]],
    logger,
  });
}
process.stdout.write('started\n');
setInterval(() => undefined, 1 << 30);
