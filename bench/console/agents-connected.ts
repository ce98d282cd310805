// Child process of bench/console/overview.ts: one real agentk (tunnel pool, registrar, config stream; no cluster)
// per token in the tokens file, each on its own gRPC channel to kas.
import { readFileSync } from 'node:fs';

import { startAgentk } from '@mooring/agentk';
import pino from 'pino';

const [url, caFile, tokensFile] = process.argv.slice(2);
const tokens = JSON.parse(readFileSync(tokensFile!, 'utf8')) as string[];
const logger = pino({ level: 'silent' });
const caCertPem = readFileSync(caFile!);
for (const [i, token] of tokens.entries()) {
  await startAgentk({
    kasAddress: url!,
    token,
    caCertPem,
    kubeConfig: null,
    podName: `bench-${i}`,
    podNamespace: 'bench',
    // A distinct header per agent keeps grpc-js from pooling every agent onto one shared connection.
    kasHeaders: [['x-bench-agent', String(i)]],
    logger,
  });
}
process.stdout.write('started\n');
setInterval(() => undefined, 1 << 30);
