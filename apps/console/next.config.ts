import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NextConfig } from 'next';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const config: NextConfig = {
  // Workspace packages export .ts source; Next compiles them like app code.
  transpilePackages: ['@mooring/ui', '@mooring/modules'],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // .next/standalone: the server files and the node_modules they need, traced from the repository root, so the
  // console ships without the workspace (scripts/build/console.ts adds our server and the static files).
  output: 'standalone',
  poweredByHeader: false,
  reactStrictMode: true,
  // The tRPC route handler streams kas's response; compression would buffer event streams.
  compress: false,
  typescript: { tsconfigPath: 'tsconfig.json' },
  // No other site may frame the console (clickjacking), browsers must not guess content types, and pages load
  // nothing from elsewhere that could act for the user.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          {
            key: 'Content-Security-Policy',
            value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
          },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default config;
