// Child process of the benchmark: N idle agentk instances (tunnel pool, registrar, config stream; no cluster), each
// with its own gRPC channel to kas.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startAgentk } from '@mooring/agentk';

const [url, caFile, countText] = process.argv.slice(2);
const count = Number(countText);
const logger = pino({ level: 'silent' });
const caCertPem = readFileSync(caFile!);
for (let i = 1; i <= count; i++) {
  await startAgentk({
    kasAddress: url!,
    token: `mgt-bench-${i}`,
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
