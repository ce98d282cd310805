// `pnpm build [kas] [agentk] [console]` (all three by default): the production bundles, each skipped when its inputs
// did not change since the last build (scripts/build/stamp.ts). Prints one progress line per step.
import path from 'node:path';
import { buildBundle } from './build/bundles';
import { buildConsoleServer } from './build/console';
import { bundleSpecs, repoRoot, stampFile } from './build/specs';
import { filesUnder, hashInputs, readStamp, staleReason, writeStamp } from './build/stamp';

const targets = ['kas', 'agentk', 'console'] as const;
type Target = (typeof targets)[number];

const say = (line: string) => process.stdout.write(`\x1b[1m[build]\x1b[0m ${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** What every bundle depends on beyond the files esbuild reads: how it is built and the pinned versions. */
const buildInputs = () => [
  ...[
    'scripts/build.ts',
    'scripts/build/bundles.ts',
    'scripts/build/specs.ts',
    'scripts/build/console.ts',
  ].map((file) => path.join(repoRoot, file)),
  path.join(repoRoot, 'pnpm-lock.yaml'),
];

async function buildApp(name: 'kas' | 'agentk'): Promise<void> {
  const spec = bundleSpecs.find((s) => s.name === name)!;
  const reason = staleReason(readStamp(stampFile(name)));
  if (!reason) {
    say(`${name}: up to date (${spec.outDir})`);
    return;
  }
  say(`${name}: bundling (${reason})…`);
  const started = performance.now();
  const metafile = await buildBundle(spec);
  const assets = Object.values(spec.assets()).flatMap(filesUnder);
  const inputs = [...Object.keys(metafile.inputs).map((f) => path.resolve(repoRoot, f)), ...assets];
  writeStamp(stampFile(name), {
    inputs: hashInputs(new Set([...inputs, ...buildInputs()])),
    outputs: Object.keys(metafile.outputs).map((f) => path.resolve(repoRoot, f)),
  });
  say(`${name}: ${spec.outDir}/${Object.keys(spec.entries)[0]} built in ${seconds(started)}`);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = asked.filter((a) => !(targets as readonly string[]).includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`build: unknown target ${unknown.join(', ')}; choose from ${targets.join(', ')}\n`);
    process.exit(2);
  }
  const chosen: readonly Target[] = asked.length > 0 ? (asked as Target[]) : targets;
  const started = performance.now();
  for (const target of chosen) {
    if (target === 'console') await buildConsoleServer(say, buildInputs());
    else await buildApp(target);
  }
  say(`done in ${seconds(started)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
