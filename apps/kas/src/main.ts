// kas entry point: `pnpm --filter @mooring/kas start [--flags]`. Settings come from MOORING_* env
// variables and mirroring flags (see docs/operate.md).
import { wantsHelp } from '@mooring/modules/shared/settings';
import { ConfigError, kasHelp, loadConfig } from './config';
import { startKas } from './kas';
import { createLogger } from './logger';
import { defaultModules } from './modules';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const modules = defaultModules();
  if (wantsHelp(argv)) {
    process.stdout.write(kasHelp(modules));
    process.exit(0);
  }
  let config;
  try {
    config = loadConfig(process.env, argv, modules);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kas: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  let kas;
  try {
    kas = await startKas(config, { logger, modules });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal({ err }, `kas could not start: ${message}`);
    process.stderr.write(`kas: could not start: ${message}\n`);
    process.exit(1);
  }
  if (kas.initialAdmin) {
    // Printed once, to the terminal only (never to the JSON log): it is not stored anywhere readable.
    process.stderr.write(
      `\nFirst start: created admin user "${kas.initialAdmin.username}" with password\n\n    ${kas.initialAdmin.password}\n\nThis is shown only once. Log in at ${kas.urls.api}/api/v1/session and change it.\n\n`,
    );
  }
  logger.info({ module: 'kas', ports: kas.ports, urls: kas.urls }, 'kas is ready');

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ module: 'kas', signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    logger.info({ module: 'kas', signal }, 'signal received, shutting down gracefully');
    kas.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ module: 'kas', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

void main();
