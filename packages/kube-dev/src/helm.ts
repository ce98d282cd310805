// The helm command the chart tests use (deploy/charts, docs/helm.md), built from the published helm.sh/helm/v4 Go
// module with the machinery that builds Kubernetes: one `go` step at a time with progress (go-step.ts), one build
// per cache directory (build-lock.ts), built into a temp file and renamed, so an interrupted build never leaves a
// binary that looks finished. Only the suites that call ensureHelm build it; unit tests never do.
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acquireBuildLock } from './build-lock';
import { runGoStep, type GoStep, type Log } from './go-step';
import { packageRoot } from './versions';

const helmModuleDir = join(packageRoot, 'go', 'helm');

/** The helm version the wrapper module requires (packages/kube-dev/go/helm/go.mod), e.g. v4.3.2. */
export function helmVersion(goMod = readFileSync(join(helmModuleDir, 'go.mod'), 'utf8')): string {
  const match = /^require helm\.sh\/helm\/v4 (v4\.\d+\.\d+)$/m.exec(goMod);
  if (!match)
    throw new Error(
      'packages/kube-dev/go/helm/go.mod must have a line "require helm.sh/helm/v4 v4.X.Y" naming the helm version to build',
    );
  return match[1]!;
}

/** `~/.cache/mooring/helm/<version>`; `MOORING_HELM_CACHE` replaces `~/.cache/mooring/helm`. */
export function helmCacheDir(env: NodeJS.ProcessEnv = process.env, version = helmVersion()): string {
  const root = env.MOORING_HELM_CACHE || join(homedir(), '.cache', 'mooring', 'helm');
  return join(root, version);
}

export interface Helm {
  path: string;
  version: string;
}

/** The two go commands of a helm build: fetch the modules (network), then compile (CPU). */
export function helmBuildSteps(version: string, output: string): GoStep[] {
  const env = { GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };
  return [
    {
      label: `helm ${version} modules`,
      cwd: helmModuleDir,
      args: ['mod', 'download'],
      env,
    },
    {
      label: `helm ${version}`,
      cwd: helmModuleDir,
      args: [
        'build',
        '-trimpath',
        '-ldflags',
        // Without it `helm version` says v4.3 (the source's default) instead of the release.
        `-s -w -X helm.sh/helm/v4/internal/version.version=${version}`,
        '-o',
        output,
        'helm.sh/helm/v4/cmd/helm',
      ],
      env,
    },
  ];
}

/**
 * Returns the cached helm, building it first when missing (minutes cold on 2 cores, instant when present).
 * Progress lines go to `log` (default stderr); a failure names the step and ends with go's last lines.
 */
export async function ensureHelm(options: { log?: Log; env?: NodeJS.ProcessEnv } = {}): Promise<Helm> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const version = helmVersion();
  const dir = helmCacheDir(env, version);
  const path = join(dir, 'helm');
  if (existsSync(path)) return { path, version };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const release = await acquireBuildLock(dir, log);
  try {
    // Again under the lock: the build we waited for may have made it.
    if (existsSync(path)) return { path, version };
    const started = Date.now();
    log(`kube-dev (helm): building helm ${version} into ${dir} (GOTOOLCHAIN=local)`);
    const tmp = join(dir, `.helm-${process.pid}`);
    try {
      for (const step of helmBuildSteps(version, tmp)) await runGoStep(step, env, log, 'kube-dev (helm)');
      await chmod(tmp, 0o700);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    log(`kube-dev (helm): helm ${version} ready in ${Math.round((Date.now() - started) / 1000)} s`);
    return { path, version };
  } finally {
    await release();
  }
}
