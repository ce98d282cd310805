import { join } from 'node:path';
import type { KubeVersions } from './versions';

/** The six programs a local cluster needs, all cached flat in one directory per Kubernetes version. */
export const kubeBinaryNames = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'etcd',
  'kwok',
] as const;
export type KubeBinaryName = (typeof kubeBinaryNames)[number];

/** kwok's namespaced per-pod rule kinds whose CRDs the cluster installs (from kwok's module zip). */
export const kwokCrdFiles = [
  'kwok.x-k8s.io_logs.yaml',
  'kwok.x-k8s.io_attaches.yaml',
  'kwok.x-k8s.io_execs.yaml',
  'kwok.x-k8s.io_portforwards.yaml',
] as const;
export const kwokCrdDirName = 'kwok-crds';

/** `kwok.x-k8s.io_logs.yaml` → `logs.kwok.x-k8s.io` */
export function kwokCrdName(file: string): string {
  return file.replace(/^kwok\.x-k8s\.io_(.+)\.yaml$/, '$1.kwok.x-k8s.io');
}

const kubernetesCommands: Partial<Record<KubeBinaryName, string>> = {
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
  kubectl: 'k8s.io/kubernetes/cmd/kubectl',
};

/** One `go` invocation; `outputs` are the artifacts it leaves in the temp build dir. */
export interface BuildStep {
  label: string;
  cwd: string;
  args: string[];
  env: Record<string, string>;
  outputs: string[];
}

/**
 * The `-X` flags `hack/lib/version.sh` would set: without them the binaries report v0.0.0-master
 * and clients (and the version-skew checks in tests) see the wrong server version.
 */
export function versionLdflags(kubernetesVersion: string): string {
  const match = /^v(\d+)\.(\d+)\.\d+$/.exec(kubernetesVersion);
  if (!match) throw new Error(`Kubernetes version must look like v1.36.3, got "${kubernetesVersion}"`);
  const [, major, minor] = match;
  const stamp = (pkg: string, withTreeState: boolean): string[] => [
    `-X ${pkg}.gitVersion=${kubernetesVersion}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    ...(withTreeState ? [`-X ${pkg}.gitTreeState=clean`] : []),
  ];
  return [
    '-s',
    '-w',
    ...stamp('k8s.io/component-base/version', true),
    ...stamp('k8s.io/client-go/pkg/version', false),
  ].join(' ');
}

/** What a pinned minor builds: all six for a cluster minor, kubectl alone for a kubectl-only one. */
export function binaryNamesOf(versions: Pick<KubeVersions, 'kind'>): readonly KubeBinaryName[] {
  return versions.kind === 'cluster' ? kubeBinaryNames : ['kubectl'];
}

/**
 * Builds only what is missing, each step writing into `outDir` (a temp dir beside the cache). `goModulesDir` is
 * the minor's own `go/v<minor>` (wrapper modules `kubernetes/` and `etcd/`). kwok is built separately (build.ts)
 * because it is patched first.
 */
export function planBuild(
  missing: ReadonlySet<KubeBinaryName | typeof kwokCrdDirName>,
  versions: KubeVersions,
  goModulesDir: string,
  outDir: string,
): BuildStep[] {
  const unbuildable = [...missing].filter(
    (part) => part !== kwokCrdDirName && !binaryNamesOf(versions).includes(part),
  );
  if (unbuildable.length > 0)
    throw new Error(
      `Kubernetes ${versions.minor} is pinned for kubectl only; it cannot build ${unbuildable.join(', ')}`,
    );
  const env = { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  const steps: BuildStep[] = [];
  const kube = kubeBinaryNamesIn(missing).filter((name) => kubernetesCommands[name]);
  if (kube.length > 0) {
    steps.push({
      label: `kubernetes ${versions.kubernetes}: ${kube.join(', ')}`,
      cwd: join(goModulesDir, 'kubernetes'),
      args: [
        'build',
        '-trimpath',
        '-ldflags',
        versionLdflags(versions.kubernetes),
        '-o',
        outDir + '/',
        ...kube.map((name) => kubernetesCommands[name] as string),
      ],
      env,
      outputs: kube,
    });
  }
  if (missing.has('etcd')) {
    steps.push({
      label: `etcd ${versions.etcd} (for Kubernetes ${versions.minor})`,
      cwd: join(goModulesDir, 'etcd'),
      args: [
        'build',
        '-trimpath',
        '-ldflags',
        '-s -w',
        '-o',
        join(outDir, 'etcd'),
        'go.etcd.io/etcd/server/v3',
      ],
      env,
      outputs: ['etcd'],
    });
  }
  return steps;
}

function kubeBinaryNamesIn(set: ReadonlySet<string>): KubeBinaryName[] {
  return kubeBinaryNames.filter((name) => set.has(name));
}
