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
import { kubeVersions, packageRoot } from './versions';

export { kubeBinaryNames, type KubeBinaryName } from './build-plan';

export type KubeBinaries = Record<KubeBinaryName, string> & {
  /** The flat cache directory holding every binary. */
  dir: string;
  /** Kubernetes version the binaries report, e.g. v1.36.3. */
  version: string;
  /** kwok's CRD manifests for the per-pod Logs/Attach/Exec/PortForward rules. */
  kwokCrdDir: string;
};

/** `~/.cache/mooring/kube/<version>`; `MOORING_KUBE_CACHE` replaces `~/.cache/mooring/kube`. */
export function kubeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.MOORING_KUBE_CACHE || join(homedir(), '.cache', 'mooring', 'kube');
  return join(root, kubeVersions.kubernetes);
}

export function kubeBinaryPath(name: KubeBinaryName, env: NodeJS.ProcessEnv = process.env): string {
  return join(kubeCacheDir(env), name);
}

function describeBinaries(dir: string): KubeBinaries {
  const paths = Object.fromEntries(kubeBinaryNames.map((name) => [name, join(dir, name)])) as Record<
    KubeBinaryName,
    string
  >;
  return { ...paths, dir, version: kubeVersions.kubernetes, kwokCrdDir: join(dir, kwokCrdDirName) };
}

export interface EnsureOptions {
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Returns the cached binaries, building whatever is missing first (tens of minutes cold on
 * 2 cores, well under a second when everything is present). Builds go to a temp directory
 * and are renamed into place, so an interrupted build never leaves a binary that looks finished.
 */
export async function ensureKubeBinaries(options: EnsureOptions = {}): Promise<KubeBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const dir = kubeCacheDir(env);
  if (missingParts(dir).size === 0 && (await kwokStampMatches(dir))) return describeBinaries(dir);
  // One build at a time per cache: a second `npm test` (or a test's global setup) waits for the first instead of
  // building the same binaries again on the same cores.
  await mkdir(dir, { recursive: true });
  const release = await acquireBuildLock(dir, log);
  try {
    return await buildMissing(dir, env, log);
  } finally {
    await release();
  }
}

function missingParts(dir: string): Set<KubeBinaryName | typeof kwokCrdDirName> {
  const missing = new Set<KubeBinaryName | typeof kwokCrdDirName>(
    kubeBinaryNames.filter((name) => !existsSync(join(dir, name))),
  );
  if (!kwokCrdFiles.every((file) => existsSync(join(dir, kwokCrdDirName, file)))) missing.add(kwokCrdDirName);
  return missing;
}

async function buildMissing(dir: string, env: NodeJS.ProcessEnv, log: Log): Promise<KubeBinaries> {
  // Again under the lock: a build we waited for may have made everything.
  const missing = missingParts(dir);
  if (!(await kwokStampMatches(dir))) missing.add('kwok');
  if (missing.size === 0) return describeBinaries(dir);

  const tmp = await mkdtemp(join(dir, '.build-'));
  const started = Date.now();
  log(`kube-dev: building ${[...missing].join(', ')} into ${dir} (Kubernetes ${kubeVersions.kubernetes})`);
  try {
    await checkGo(env);
    for (const step of planBuild(missing, kubeVersions, join(packageRoot, 'go'), tmp)) {
      await runGoStep(step, env, log);
      for (const output of step.outputs) await rename(join(tmp, output), join(dir, output));
    }
    if (missing.has('kwok') || missing.has(kwokCrdDirName))
      await buildKwok(dir, tmp, missing.has('kwok'), env, log);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  log(`kube-dev: all binaries ready in ${seconds(started)} s`);
  return describeBinaries(dir);
}

const kwokStampFile = 'kwok.build.json';

function kwokStamp(): string {
  return JSON.stringify({ kwok: kubeVersions.kwok, patches: kwokPatchLevel() });
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
async function buildKwok(dir: string, tmp: string, buildBinary: boolean, env: NodeJS.ProcessEnv, log: Log) {
  const download: BuildStep = {
    label: `kwok ${kubeVersions.kwok} source`,
    cwd: join(packageRoot, 'go'),
    args: ['mod', 'download', '-json', `sigs.k8s.io/kwok@${kubeVersions.kwok}`],
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
      label: `kwok ${kubeVersions.kwok} (patched: ${kwokPatchLevel()})`,
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

async function checkGo(env: NodeJS.ProcessEnv): Promise<void> {
  let version: string;
  try {
    version = await capture('go', ['env', 'GOVERSION'], env);
  } catch (error) {
    throw new Error(
      `kube-dev needs the Go toolchain (${kubeVersions.go}.x) on PATH to build Kubernetes; running "go" failed: ${(error as Error).message}`,
    );
  }
  if (!version.trim().startsWith(kubeVersions.go)) {
    throw new Error(
      `kube-dev builds Kubernetes ${kubeVersions.kubernetes} with GOTOOLCHAIN=local and expects ${kubeVersions.go}.x, but "go" is ${version.trim()}; install ${kubeVersions.go} or update packages/kube-dev/versions.json`,
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
