import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  kubeBinaryNames,
  kwokCrdDirName,
  kwokCrdFiles,
  planBuild,
  type BuildStep,
  type KubeBinaryName,
} from './build-plan';
import { acquireBuildLock } from './build-lock';
import { runGoStep, type Log } from './go-step';
import { applyKwokPatches, kwokPatchLevel } from './kwok-patches';
import { goModulesDirOf, packageRoot, pinnedKubeVersion, type KubeVersions } from './versions';

export { kubeBinaryNames, type KubeBinaryName } from './build-plan';

export type KubeBinaries = Record<KubeBinaryName, string> & {
  /** The flat cache directory holding every binary. */
  dir: string;
  /** Kubernetes version the binaries report, e.g. v1.36.3. */
  version: string;
  /** kwok's CRD manifests for the per-pod Logs/Attach/Exec/PortForward rules. */
  kwokCrdDir: string;
};

function kubeCacheRoot(env: NodeJS.ProcessEnv): string {
  return env.MOORING_KUBE_CACHE || join(homedir(), '.cache', 'mooring', 'kube');
}

/**
 * `~/.cache/mooring/kube/<kubernetes version>` of a pinned minor (default: versions.json's default);
 * `MOORING_KUBE_CACHE` replaces `~/.cache/mooring/kube`.
 */
export function kubeCacheDir(env: NodeJS.ProcessEnv = process.env, version?: string): string {
  return join(kubeCacheRoot(env), pinnedKubeVersion(version, 'any').kubernetes);
}

export function kubeBinaryPath(
  name: KubeBinaryName,
  env: NodeJS.ProcessEnv = process.env,
  version?: string,
): string {
  return join(kubeCacheDir(env, version), name);
}

function describeBinaries(dir: string, pin: KubeVersions): KubeBinaries {
  const paths = Object.fromEntries(kubeBinaryNames.map((name) => [name, join(dir, name)])) as Record<
    KubeBinaryName,
    string
  >;
  return { ...paths, dir, version: pin.kubernetes, kwokCrdDir: join(dir, kwokCrdDirName) };
}

export interface EnsureOptions {
  /** A pinned minor (`1.37`, `v1.37.2`); default: versions.json's default. */
  version?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

type Part = KubeBinaryName | typeof kwokCrdDirName;

/**
 * Returns the cached binaries, building whatever is missing first (tens of minutes cold on
 * 2 cores, well under a second when everything is present). Builds go to a temp directory
 * and are renamed into place, so an interrupted build never leaves a binary that looks finished.
 */
export async function ensureKubeBinaries(options: EnsureOptions = {}): Promise<KubeBinaries> {
  const pin = pinnedKubeVersion(options.version, 'cluster');
  await ensureParts(pin, new Set([...kubeBinaryNames, kwokCrdDirName]), options);
  return describeBinaries(kubeCacheDir(options.env ?? process.env, pin.kubernetes), pin);
}

/**
 * The kubectl of any pinned minor, cluster or kubectl-only (`1.34`), built alone if missing; resolves with its
 * path and version. Version-skew tests run it against a cluster of another minor.
 */
export async function ensureKubectl(
  options: EnsureOptions & { version: string },
): Promise<{ path: string; version: string }> {
  const pin = pinnedKubeVersion(options.version, 'any');
  await ensureParts(pin, new Set(['kubectl']), options);
  return {
    path: join(kubeCacheDir(options.env ?? process.env, pin.kubernetes), 'kubectl'),
    version: pin.kubernetes,
  };
}

async function ensureParts(
  pin: KubeVersions,
  wanted: ReadonlySet<Part>,
  options: EnsureOptions,
): Promise<void> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const dir = kubeCacheDir(env, pin.kubernetes);
  if ((await missingParts(dir, wanted)).size === 0) return;
  // One build at a time per cache: a second `npm test` (or a test's global setup) waits for the first instead of
  // building the same binaries again on the same cores.
  await mkdir(dir, { recursive: true });
  const release = await acquireBuildLock(dir, log);
  try {
    await buildMissing(dir, pin, wanted, env, log);
  } finally {
    await release();
  }
}

async function missingParts(dir: string, wanted: ReadonlySet<Part>): Promise<Set<Part>> {
  const missing = new Set<Part>(
    kubeBinaryNames.filter((name) => wanted.has(name) && !existsSync(join(dir, name))),
  );
  if (wanted.has('kwok') && !(await kwokStampMatches(dir))) missing.add('kwok');
  if (
    wanted.has(kwokCrdDirName) &&
    !kwokCrdFiles.every((file) => existsSync(join(dir, kwokCrdDirName, file)))
  )
    missing.add(kwokCrdDirName);
  return missing;
}

async function buildMissing(
  dir: string,
  pin: KubeVersions,
  wanted: ReadonlySet<Part>,
  env: NodeJS.ProcessEnv,
  log: Log,
): Promise<void> {
  // Again under the lock: a build we waited for may have made everything.
  const missing = await missingParts(dir, wanted);
  if (missing.size === 0) return;

  const tmp = await mkdtemp(join(dir, '.build-'));
  const started = Date.now();
  log(`kube-dev: building ${[...missing].join(', ')} into ${dir} (Kubernetes ${pin.kubernetes})`);
  try {
    await checkGo(env, pin);
    for (const step of planBuild(missing, pin, goModulesDirOf(pin), tmp)) {
      await runGoStep(step, env, log);
      for (const output of step.outputs) await rename(join(tmp, output), join(dir, output));
    }
    if (missing.has('kwok') || missing.has(kwokCrdDirName)) {
      const copiedFrom = await copyKwokFromSibling(dir);
      if (copiedFrom) log(`kube-dev: kwok ${pin.kwok} and its CRDs copied from ${copiedFrom} (same build)`);
      else await buildKwok(dir, tmp, pin, missing.has('kwok'), env, log);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  log(`kube-dev: Kubernetes ${pin.kubernetes}: built ${[...missing].join(', ')} in ${seconds(started)} s`);
}

const kwokStampFile = 'kwok.build.json';

function kwokStamp(): string {
  return JSON.stringify({ kwok: pinnedKubeVersion().kwok, patches: kwokPatchLevel() });
}

/**
 * kwok does not depend on the Kubernetes minor (one pinned kwok for all): a sibling version directory whose kwok
 * carries the current stamp is copied instead of building the same binary again. Resolves with that directory.
 */
async function copyKwokFromSibling(dir: string): Promise<string | null> {
  const root = join(dir, '..');
  for (const entry of await readdir(root)) {
    const sibling = join(root, entry);
    if (sibling === dir || !(await kwokStampMatches(sibling))) continue;
    if (!existsSync(join(sibling, 'kwok'))) continue;
    if (!kwokCrdFiles.every((file) => existsSync(join(sibling, kwokCrdDirName, file)))) continue;
    const staged = await mkdtemp(join(dir, '.kwok-'));
    try {
      await copyFile(join(sibling, 'kwok'), join(staged, 'kwok'));
      await chmod(join(staged, 'kwok'), 0o755);
      await cp(join(sibling, kwokCrdDirName), join(staged, kwokCrdDirName), { recursive: true });
      await rm(join(dir, kwokCrdDirName), { recursive: true, force: true });
      await rename(join(staged, kwokCrdDirName), join(dir, kwokCrdDirName));
      await rename(join(staged, 'kwok'), join(dir, 'kwok'));
      await writeFile(join(dir, kwokStampFile), kwokStamp());
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
    return sibling;
  }
  return null;
}

async function kwokStampMatches(dir: string): Promise<boolean> {
  try {
    return (await readFile(join(dir, kwokStampFile), 'utf8')) === kwokStamp();
  } catch {
    return false;
  }
}

/**
 * kwok is built from a patched copy of its module source (see kwok-patches.ts); the same source
 * provides the CRDs of its per-pod rules.
 */
async function buildKwok(
  dir: string,
  tmp: string,
  pin: KubeVersions,
  buildBinary: boolean,
  env: NodeJS.ProcessEnv,
  log: Log,
) {
  const download: BuildStep = {
    label: `kwok ${pin.kwok} source`,
    cwd: join(packageRoot, 'go'),
    args: ['mod', 'download', '-json', `sigs.k8s.io/kwok@${pin.kwok}`],
    env: { GOTOOLCHAIN: 'local' },
    outputs: [],
  };
  const output = await runGoStep(download, env, log);
  const moduleDir = (JSON.parse(output) as { Dir?: string }).Dir;
  if (!moduleDir)
    throw new Error(`go mod download did not report a directory for kwok: ${output.slice(0, 500)}`);

  const staged = join(tmp, kwokCrdDirName);
  await mkdir(staged);
  for (const file of kwokCrdFiles)
    await copyFile(join(moduleDir, 'kustomize', 'crd', 'bases', file), join(staged, file));
  await rm(join(dir, kwokCrdDirName), { recursive: true, force: true });
  await rename(staged, join(dir, kwokCrdDirName));
  if (!buildBinary) return;

  // The module cache is read-only; copy the source so it can be patched and built as a main module.
  const source = join(tmp, 'kwok-src');
  await cp(moduleDir, source, { recursive: true });
  await makeWritable(source);
  await applyKwokPatches(source);
  await runGoStep(
    {
      label: `kwok ${pin.kwok} (patched: ${kwokPatchLevel()})`,
      cwd: source,
      args: ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmp, 'kwok'), './cmd/kwok'],
      env: { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    },
    env,
    log,
  );
  await rename(join(tmp, 'kwok'), join(dir, 'kwok'));
  await writeFile(join(dir, kwokStampFile), kwokStamp());
}

async function makeWritable(path: string): Promise<void> {
  const info = await stat(path);
  await chmod(path, info.mode | 0o200);
  if (info.isDirectory()) for (const entry of await readdir(path)) await makeWritable(join(path, entry));
}

async function checkGo(env: NodeJS.ProcessEnv, pin: KubeVersions): Promise<void> {
  let version: string;
  try {
    version = await capture('go', ['env', 'GOVERSION'], env);
  } catch (error) {
    throw new Error(
      `kube-dev needs the Go toolchain (${pin.go}.x) on PATH to build Kubernetes; running "go" failed: ${(error as Error).message}`,
    );
  }
  if (!version.trim().startsWith(pin.go)) {
    throw new Error(
      `kube-dev builds Kubernetes ${pin.kubernetes} with GOTOOLCHAIN=local and expects ${pin.go}.x, but "go" is ${version.trim()}; install ${pin.go} or update packages/kube-dev/versions.json`,
    );
  }
}

function capture(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`)),
    );
  });
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
