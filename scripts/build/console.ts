// The console's self-contained server: `next build` with `output: 'standalone'` writes
// apps/console/.next/standalone (Next's server files and the node_modules they need); this adds our own server
// (server/serve.ts bundled to apps/console/server/console.mjs inside it, `next` left to the traced node_modules)
// and the static files Next leaves out. Start it with `node apps/console/server/console.mjs` from that directory.
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { buildConsoleIfStale } from '../../apps/console/server/start';
import { esbuildOptions } from './bundles';
import { repoRoot, stampFile } from './specs';
import { filesUnder, hashInputs, readStamp, staleReason, writeStamp } from './stamp';

const consoleDir = path.join(repoRoot, 'apps/console');
export const consoleStandaloneDir = path.join(consoleDir, '.next/standalone');
/** The server inside the standalone tree, at the same place relative to `.next` as serve.ts in the sources. */
export const consoleServerFile = path.join(consoleStandaloneDir, 'apps/console/server/console.mjs');

export async function buildConsoleServer(say: (line: string) => void, buildInputs: string[]): Promise<void> {
  const started = performance.now();
  // Next's build keeps its own freshness check (sources newer than .next/BUILD_ID), shared with startConsole.
  const rebuilt = await buildConsoleIfStale((line) => say(`console: ${line}`));
  if (!existsSync(path.join(consoleStandaloneDir, 'apps/console/server.js')))
    throw new Error(
      `next build wrote no ${path.relative(repoRoot, consoleStandaloneDir)}; is output: 'standalone' still in apps/console/next.config.ts?`,
    );
  const reason = rebuilt ? 'next build ran' : staleReason(readStamp(stampFile('console')));
  if (!reason) {
    say('console: up to date (apps/console/.next/standalone)');
    return;
  }
  say(`console: bundling its server (${reason})…`);
  const result = await build({
    ...esbuildOptions,
    absWorkingDir: repoRoot,
    entryPoints: [path.join(consoleDir, 'server/serve.ts')],
    outfile: consoleServerFile,
    // Next stays a package: it loads its own files (and the build in .next) by path.
    external: [...(esbuildOptions.external ?? []), 'next', 'next/*'],
  });
  const staticDir = path.join(consoleStandaloneDir, 'apps/console/.next/static');
  rmSync(staticDir, { recursive: true, force: true });
  cpSync(path.join(consoleDir, '.next/static'), staticDir, { recursive: true });
  const inputs = Object.keys(result.metafile!.inputs).map((f) => path.resolve(repoRoot, f));
  writeStamp(stampFile('console'), {
    inputs: hashInputs(
      new Set([...inputs, ...buildInputs, ...filesUnder(path.join(consoleDir, '.next/BUILD_ID'))]),
    ),
    outputs: [consoleServerFile, path.join(staticDir)],
  });
  say(
    `console: ${path.relative(repoRoot, consoleServerFile)} built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
