// `node --import tsx apps/kas/src/replicas/launch.ts --replicas N`: only the kas replicas behind the balancer, with
// their PostgreSQL and Redis (no cluster, agents or console; `pnpm start -- --replicas N` adds those). Ctrl-C or
// SIGTERM stops everything it started.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalReplicas, type LocalReplicas } from '../testing/local-replicas';
import { parseReplicasArgs, ReplicasArgsError } from './replicas-args';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const say = (line: string) => console.log(`[replicas] ${line}`);

async function main(): Promise<void> {
  let replicas: number;
  try {
    replicas = parseReplicasArgs(process.argv.slice(2)).replicas ?? 2;
  } catch (error) {
    if (!(error instanceof ReplicasArgsError)) throw error;
    console.error(`[replicas] ${error.message}`);
    process.exit(2);
  }
  const dataDir = path.resolve(process.env.MOORING_DATA_DIR ?? path.join(repoRoot, '.mooring'));
  let running: LocalReplicas | undefined;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: stopping…`);
    await running?.stop();
    say('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    say(`starting ${replicas} kas replicas under ${path.join(dataDir, 'replicas')}…`);
    running = await startLocalReplicas(
      { replicas, dataDir, env: pick(process.env, ['MOORING_ADMIN_PASSWORD', 'MOORING_LOG_LEVEL']) },
      say,
    );
    if (stopping) await running.stop();
    else say('Running; press Ctrl-C to stop everything.');
  } catch (error) {
    say(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

const pick = (env: NodeJS.ProcessEnv, names: string[]) =>
  Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n]]])));

void main();
