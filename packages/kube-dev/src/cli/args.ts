// The kube CLIs' one option: which pinned Kubernetes minor (`--version 1.37`, or MOORING_KUBE_VERSION; default
// versions.json's default). `kube:build` also takes `--all` (every pinned minor, cluster and kubectl-only).
import { pinnedKubeVersion, type KubeVersions } from '../versions';

export interface KubeCliArgs {
  /** The chosen minor's pin. */
  pin: KubeVersions;
  all: boolean;
}

const usage = 'usage: [--version <minor, e.g. 1.37>] [--all]   (MOORING_KUBE_VERSION sets the default)';

export function parseKubeCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { allowAll: boolean },
): KubeCliArgs {
  let version = env.MOORING_KUBE_VERSION || undefined;
  let all = false;
  const args = argv.filter((arg) => arg !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--version' || arg === '-v') {
      const value = args[++i];
      if (!value) throw new Error(`--version needs a minor such as 1.37; ${usage}`);
      version = value;
    } else if (arg.startsWith('--version=')) version = arg.slice('--version='.length);
    else if (arg === '--all' && options.allowAll) all = true;
    else throw new Error(`unknown argument "${arg}"; ${usage}`);
  }
  return { pin: pinnedKubeVersion(version, 'cluster'), all };
}
