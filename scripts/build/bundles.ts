// Builds the production bundles of kas and agentk (./specs.ts says what goes where) with esbuild: every dependency
// inlined into one ESM file per entry, the run-time assets copied beside it. docs/decisions.md says why.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { repoRoot, type BundleSpec } from './specs';

// CommonJS dependencies inside an ESM bundle still call require() for Node built-ins and read __dirname.
const banner = [
  "import { createRequire as __mooringCreateRequire } from 'node:module';",
  "import { fileURLToPath as __mooringFileURLToPath } from 'node:url';",
  "import { dirname as __mooringDirname } from 'node:path';",
  'const require = __mooringCreateRequire(import.meta.url);',
  'const __filename = __mooringFileURLToPath(import.meta.url);',
  'const __dirname = __mooringDirname(__filename);',
].join('\n');

export const esbuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // Stack traces and `err.name` keep the classes' names (ConfigError, FlagError, …).
  keepNames: true,
  legalComments: 'none',
  banner: { js: banner },
  define: { __MOORING_BUNDLE__: 'true' },
  // pg's optional native binding (never installed; pg falls back to JavaScript).
  external: ['pg-native'],
  logLevel: 'warning',
  metafile: true,
};

/** Bundles `spec` into its outDir (emptied first) and copies its assets; returns the files esbuild read. */
export async function buildBundle(spec: BundleSpec): Promise<Metafile> {
  const outDir = path.join(repoRoot, spec.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    ...esbuildOptions,
    absWorkingDir: repoRoot,
    entryPoints: Object.entries(spec.entries).map(([out, input]) => ({
      in: input,
      out: out.replace(/\.mjs$/, ''),
    })),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
  });
  for (const [dest, source] of Object.entries(spec.assets()))
    cpSync(source, path.join(outDir, dest), { recursive: true });
  return result.metafile!;
}
