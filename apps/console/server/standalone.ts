// The console's bundled server (scripts/build/console.ts) runs inside Next's standalone output, which carries no
// next.config.ts and no TypeScript to load one: Next takes its configuration from __NEXT_PRIVATE_STANDALONE_CONFIG
// instead, as the server.js Next writes there does. We set it from the copy the build recorded.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function useStandaloneConfig(consoleDir: string): void {
  Object.assign(process.env, { NODE_ENV: 'production' });
  if (process.env.__NEXT_PRIVATE_STANDALONE_CONFIG) return;
  const file = path.join(consoleDir, '.next', 'required-server-files.json');
  const { config } = JSON.parse(readFileSync(file, 'utf8')) as { config: unknown };
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}
