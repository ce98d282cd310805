// Where the production bundles of kas and agentk come from and go: one ESM file each (`apps/<app>/dist/<app>.mjs`)
// that starts with plain `node`, plus the files the code finds beside itself at run time. No esbuild here, so tests
// can ask where a bundle is (./locate.ts) without loading the bundler. docs/images.md describes the layout.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BundleSpec {
  name: 'kas' | 'agentk';
  /** Output file name (in `outDir`) → entry source, relative to the repository. */
  entries: Record<string, string>;
  outDir: string;
  /** Files and directories the bundle reads beside itself: destination (in `outDir`) → absolute source. */
  assets(): Record<string, string>;
}

const pgliteDist = () =>
  path.dirname(
    createRequire(path.join(repoRoot, 'packages/db/package.json')).resolve('@electric-sql/pglite'),
  );

export const bundleSpecs: readonly BundleSpec[] = [
  {
    name: 'kas',
    outDir: 'apps/kas/dist',
    entries: {
      'kas.mjs': 'apps/kas/src/main.ts',
      // config-validator.ts starts `new URL('./config-validator-worker.mjs', import.meta.url)`: from the sources
      // that is the tsx shim beside it, from the bundle this file, the worker with its dependencies inlined.
      'config-validator-worker.mjs': 'apps/kas/src/services/config-validator-worker.ts',
    },
    assets: () => ({
      // PGlite loads its WebAssembly and data file with `new URL('./pglite.wasm', import.meta.url)`.
      'pglite.wasm': path.join(pgliteDist(), 'pglite.wasm'),
      'pglite.data': path.join(pgliteDist(), 'pglite.data'),
      'initdb.wasm': path.join(pgliteDist(), 'initdb.wasm'),
      // packages/db/src/open.ts reads ./migrations beside the bundle (__MOORING_BUNDLE__).
      migrations: path.join(repoRoot, 'packages/db/migrations'),
    }),
  },
  {
    name: 'agentk',
    outDir: 'apps/agentk/dist',
    entries: { 'agentk.mjs': 'apps/agentk/src/main.ts' },
    assets: () => ({}),
  },
];

/** Where a build stamp lives (./stamp.ts); outside dist/ so it never ships. */
export const stampFile = (name: string) =>
  path.join(repoRoot, 'node_modules/.cache/mooring-build', `${name}.json`);
