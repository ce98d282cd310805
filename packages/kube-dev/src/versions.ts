import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Versions of everything the local cluster runs; the single source is packages/kube-dev/versions.json. */
export interface KubeVersions {
  kubernetes: string;
  kubernetesStaging: string;
  etcd: string;
  kwok: string;
  go: string;
}

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function readVersions(): KubeVersions {
  const raw = JSON.parse(readFileSync(new URL('../versions.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  const field = (name: keyof KubeVersions, pattern: RegExp): string => {
    const value = raw[name];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new Error(
        `packages/kube-dev/versions.json: "${name}" must be a string like ${pattern.source}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  return {
    kubernetes: field('kubernetes', /^v1\.\d+\.\d+$/),
    kubernetesStaging: field('kubernetesStaging', /^v0\.\d+\.\d+$/),
    etcd: field('etcd', /^v3\.\d+\.\d+$/),
    kwok: field('kwok', /^v0\.\d+\.\d+$/),
    go: field('go', /^go1\.\d+$/),
  };
}

export const kubeVersions: KubeVersions = readVersions();
