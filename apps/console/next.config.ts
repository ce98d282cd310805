import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NextConfig } from 'next';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const config: NextConfig = {
  // Workspace packages export .ts source; Next compiles them like app code.
  transpilePackages: ['@mooring/ui', '@mooring/modules'],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  poweredByHeader: false,
  reactStrictMode: true,
  // The tRPC route handler streams kas's response; compression would buffer event streams.
  compress: false,
  typescript: { tsconfigPath: 'tsconfig.json' },
};

export default config;
