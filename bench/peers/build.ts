// Builds the peers benchmark's Go programs once into ~/.cache/mooring/bench (0700): the load client (local Go,
// GOTOOLCHAIN=local) and the remotedialer harness (remotedialer v0.6.2 asks for Go 1.27.3, so that build alone runs
// with GOTOOLCHAIN=go1.27.3, which the go command fetches from the module proxy). A binary is named by a hash of
// its sources, so an unchanged tree reuses it and an edited one rebuilds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGoStep } from '@mooring/kube-dev';

export interface BenchBinaries {
  loadclient: string;
  rdharness: string;
}

interface GoProgram {
  name: keyof BenchBinaries;
  dir: string;
  toolchain: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const programs: GoProgram[] = [
  { name: 'loadclient', dir: join(here, 'loadclient'), toolchain: 'local' },
  { name: 'rdharness', dir: join(here, 'remotedialer'), toolchain: 'go1.27.3' },
];

/** `~/.cache/mooring/bench`; `MOORING_BENCH_CACHE` replaces it. */
export function benchCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOORING_BENCH_CACHE || join(homedir(), '.cache', 'mooring', 'bench');
}

function sourceHash(program: GoProgram): string {
  const hash = createHash('sha256').update(program.toolchain);
  const files = readdirSync(program.dir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort();
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(join(program.dir, file)));
  return hash.digest('hex').slice(0, 16);
}

export async function ensureBenchBinaries(log: (line: string) => void): Promise<BenchBinaries> {
  const dir = benchCacheDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const out = {} as BenchBinaries;
  for (const program of programs) out[program.name] = await ensureProgram(program, dir, log);
  return out;
}

async function ensureProgram(program: GoProgram, dir: string, log: (line: string) => void): Promise<string> {
  const target = join(dir, `${program.name}-${sourceHash(program)}`);
  if (existsSync(target)) {
    log(`bench (${program.name}): built already (${target})`);
    return target;
  }
  // Only this build's go commands see the toolchain choice; the rest of the machine keeps its own.
  const env = { GOTOOLCHAIN: program.toolchain, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' };
  const who = `bench (${program.name})`;
  const fetchLabel =
    program.toolchain === 'local'
      ? 'download modules'
      : `download toolchain ${program.toolchain} and modules from the module proxy`;
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    await runGoStep(
      { label: fetchLabel, cwd: program.dir, args: ['mod', 'download'], env },
      process.env,
      log,
      who,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\nThe go command fetches these from the Go module proxy (GOPROXY=${process.env.GOPROXY ?? 'its default'}); check that this machine reaches it.`,
      );
    });
    await runGoStep(
      {
        label: `compile (GOTOOLCHAIN=${program.toolchain})`,
        cwd: program.dir,
        args: ['build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, '.'],
        env,
      },
      process.env,
      log,
      who,
    );
    await chmod(tmp, 0o700);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
  // Older builds of the same program are dead weight once the new one is in place.
  for (const file of readdirSync(dir))
    if (file.startsWith(`${program.name}-`) && join(dir, file) !== target)
      await rm(join(dir, file), { force: true });
  return target;
}
