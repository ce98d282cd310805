// agentk's process entry: flags → startAgentk → run until SIGTERM/SIGINT, then finish calls in flight and exit.
import { readFileSync } from 'node:fs';
import { wantsHelp } from '@mooring/modules/shared/settings';
import pino from 'pino';
import { startAgentk } from './agentk';
import { agentkHelp, FlagError, parseAgentkFlags } from './flags';
import { loadKubeConfig } from './kube';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(agentkHelp());
    process.exit(0);
  }
  let flags;
  try {
    // pnpm runs the script in apps/agentk; relative paths mean the directory the user ran pnpm in.
    flags = parseAgentkFlags(argv, process.env, process.env.INIT_CWD ?? process.cwd());
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`agentk: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  } finally {
    // The token must not linger in the environment (child processes, /proc/<pid>/environ of forks).
    delete process.env.MOORING_AGENT_TOKEN;
  }
  const logger = pino({ level: flags.logLevel, base: { pod: flags.podName } });
  let caCertPem: Buffer | null = null;
  if (flags.caCertFile) {
    try {
      caCertPem = readFileSync(flags.caCertFile);
    } catch (error) {
      process.stderr.write(
        `agentk: --ca-cert-file: cannot read ${flags.caCertFile}: ${(error as Error).message}\n`,
      );
      process.exit(2);
    }
  }
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(flags.kubeconfig);
  } catch (error) {
    process.stderr.write(`agentk: ${(error as Error).message}\n`);
    process.exit(2);
  }
  let receptive;
  if (flags.receptive) {
    const r = flags.receptive;
    const read = (flag: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (error) {
        process.stderr.write(`agentk: ${flag}: cannot read ${file}: ${(error as Error).message}\n`);
        process.exit(2);
      }
    };
    receptive = {
      listenAddress: r.listenAddress,
      certPem: read('--receptive-cert-file', r.certFile),
      keyPem: read('--receptive-key-file', r.keyFile),
      auth: r.jwtPublicKeyFile
        ? { jwtPublicKeyPem: read('--receptive-jwt-public-key-file', r.jwtPublicKeyFile) }
        : { clientCaPem: read('--receptive-client-ca-file', r.clientCaFile!) },
    };
  }
  const agentk = await startAgentk({
    ...(flags.kasAddress !== null && { kasAddress: flags.kasAddress }),
    ...(receptive && { receptive }),
    token: flags.token,
    caCertPem,
    kasTlsServerName: flags.kasTlsServerName,
    kasHeaders: flags.kasHeaders,
    kubeConfig,
    podName: flags.podName,
    podNamespace: flags.podNamespace,
    moduleSettings: flags.moduleSettings,
    logger,
  });
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      logger.warn(`${signal} again: exiting without waiting for calls in flight`);
      process.exit(1);
    }
    logger.info(`${signal}: shutting down`);
    void agentk.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`agentk: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
