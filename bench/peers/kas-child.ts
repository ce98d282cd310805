// Child process of bench/peers: Mooring's kas half (agent listener and Kubernetes API proxy, bench/tunnel's setup)
// in a process of its own, so /proc shows its CPU apart from the benchmark's. Prints one JSON line once listening
// ({proxyUrl, proxyCaFile, agentkArgs}), a second ({connected: true}) once agentk holds idle tunnels, and stops
// when stdin closes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchKas } from '../tunnel/mooring-path';

const [dir, agentKubeconfig] = process.argv.slice(2);
if (!dir || !agentKubeconfig) throw new Error('usage: kas-child.ts <private dir> <agent kubeconfig>');
const kas = await startBenchKas(dir);
const proxyCaFile = join(dir, 'proxy-ca.pem');
writeFileSync(proxyCaFile, kas.proxy.caPem ?? '', { mode: 0o600 });
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
say({ proxyUrl: kas.proxy.url, proxyCaFile, agentkArgs: kas.agentkArgs(agentKubeconfig) });
process.stdin.resume();
process.stdin.on('end', () => void kas.stop().finally(() => process.exit(0)));
await kas.agentConnected();
say({ connected: true });
