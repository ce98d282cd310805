import { loadConfig, type KasConfig } from '../config';

/** kas settings for tests and benchmarks: the given data dir, every listener on a free loopback port. */
export function loopbackTestConfig(dataDir: string, env: Record<string, string> = {}): KasConfig {
  return loadConfig({
    MOORING_DATA_DIR: dataDir,
    MOORING_API_PORT: '0',
    MOORING_OBSERVABILITY_PORT: '0',
    MOORING_AGENT_PORT: '0',
    MOORING_PROXY_PORT: '0',
    MOORING_PRIVATE_API_PORT: '0',
    ...env,
  });
}
