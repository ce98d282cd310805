import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * One pinned Kubernetes minor: what it builds from and into. The single source is packages/kube-dev/versions.json;
 * each minor has its own wrapper modules in `go/v<minor>/` (their own `replace` and `godebug` lines).
 */
export interface KubeVersions {
  /** `1.36` */
  minor: string;
  /** `cluster`: the whole control plane builds and runs; `kubectl`: only kubectl (an older client for the matrix). */
  kind: 'cluster' | 'kubectl';
  kubernetes: string;
  kubernetesStaging: string;
  /** Only for `cluster` minors: the etcd that minor pins. */
  etcd: string | null;
  kwok: string;
  go: string;
}

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

const minorKey = z.string().regex(/^1\.\d+$/, 'a minor such as "1.36"');
const kubernetes = z.string().regex(/^v1\.\d+\.\d+$/, 'a release such as "v1.36.3"');
const staging = z.string().regex(/^v0\.\d+\.\d+$/, 'a staging version such as "v0.36.3"');
const pinnedFileSchema = z
  .object({
    default: minorKey,
    clusters: z.record(
      minorKey,
      z.object({ kubernetes, kubernetesStaging: staging, etcd: z.string().regex(/^v3\.\d+\.\d+$/) }).strict(),
    ),
    kubectlOnly: z.record(minorKey, z.object({ kubernetes, kubernetesStaging: staging }).strict()),
    kwok: z.string().regex(/^v0\.\d+\.\d+$/),
    go: z.string().regex(/^go1\.\d+$/),
  })
  .passthrough();

/** Parses versions.json's text; every minor's release must belong to it (`1.36` → `v1.36.x`, `v0.36.x`). */
export function parsePinnedVersions(text: string): { pins: KubeVersions[]; defaultMinor: string } {
  const parsed = pinnedFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `packages/kube-dev/versions.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const file = parsed.data;
  const pins: KubeVersions[] = [
    ...Object.entries(file.clusters).map(([minor, pin]) => ({ minor, kind: 'cluster' as const, ...pin })),
    ...Object.entries(file.kubectlOnly).map(([minor, pin]) => ({
      minor,
      kind: 'kubectl' as const,
      ...pin,
      etcd: null,
    })),
  ].map((pin) => ({ ...pin, kwok: file.kwok, go: file.go }));
  for (const pin of pins) {
    const n = pin.minor.slice(2);
    if (!pin.kubernetes.startsWith(`v1.${n}.`) || !pin.kubernetesStaging.startsWith(`v0.${n}.`))
      throw new Error(
        `packages/kube-dev/versions.json: minor ${pin.minor} pins ${pin.kubernetes} / ${pin.kubernetesStaging}; both must be of minor ${pin.minor}`,
      );
  }
  if (new Set(pins.map((pin) => pin.minor)).size !== pins.length)
    throw new Error(
      'packages/kube-dev/versions.json: a minor is listed both as a cluster and as kubectlOnly',
    );
  if (!pins.some((pin) => pin.minor === file.default && pin.kind === 'cluster'))
    throw new Error(`packages/kube-dev/versions.json: default ${file.default} is not one of "clusters"`);
  pins.sort((a, b) => Number(a.minor.slice(2)) - Number(b.minor.slice(2)));
  return { pins, defaultMinor: file.default };
}

const { pins, defaultMinor } = parsePinnedVersions(
  readFileSync(new URL('../versions.json', import.meta.url), 'utf8'),
);

/** Every pinned minor, oldest first (cluster and kubectl-only). */
export const pinnedKubeVersions: readonly KubeVersions[] = pins;

/** The minors a cluster can run, oldest first. */
export const clusterKubeVersions: readonly KubeVersions[] = pins.filter((pin) => pin.kind === 'cluster');

/** The default cluster minor (today's single-version callers: tests' shared cluster, `pnpm kube:up`). */
export const kubeVersions: KubeVersions = pins.find((pin) => pin.minor === defaultMinor)!;

/**
 * The pin for `1.37`, `v1.37` or exactly `v1.37.2` (undefined: the default). Throws naming the pinned set for
 * anything else, and for a kubectl-only minor when `kind` is `cluster`.
 */
export function pinnedKubeVersion(version?: string, kind: 'cluster' | 'any' = 'cluster'): KubeVersions {
  if (version === undefined || version === '') return kubeVersions;
  const match = /^v?(1\.\d+)(\.\d+)?$/.exec(version.trim());
  const pin = match ? pins.find((p) => p.minor === match[1]) : undefined;
  const choices = (kind === 'cluster' ? clusterKubeVersions : pins)
    .map((p) => `${p.minor} (${p.kubernetes})`)
    .join(', ');
  const fix = `pinned: ${choices}; a new minor is added in packages/kube-dev/versions.json (docs/local-cluster.md, "Adding a Kubernetes minor")`;
  if (!match || !pin) throw new Error(`Kubernetes version "${version}" is not pinned; ${fix}`);
  if (match[2] && `v${match[1]}${match[2]}` !== pin.kubernetes)
    throw new Error(
      `Kubernetes ${version} is not pinned (minor ${pin.minor} pins ${pin.kubernetes}); ${fix}`,
    );
  if (kind === 'cluster' && pin.kind !== 'cluster')
    throw new Error(`Kubernetes ${pin.minor} is pinned for kubectl only and cannot run a cluster; ${fix}`);
  return pin;
}

/** The wrapper modules' directory of a minor: `go/v1.36`. */
export function goModulesDirOf(pin: KubeVersions): string {
  return `${packageRoot}go/v${pin.minor}`;
}
