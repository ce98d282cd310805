import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryNamesOf } from './build-plan';
import {
  clusterKubeVersions,
  goModulesDirOf,
  kubeVersions,
  parsePinnedVersions,
  pinnedKubeVersion,
  pinnedKubeVersions,
  type KubeVersions,
} from './versions';

const file = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    default: '1.36',
    clusters: {
      '1.36': { kubernetes: 'v1.36.3', kubernetesStaging: 'v0.36.3', etcd: 'v3.6.8' },
      '1.35': { kubernetes: 'v1.35.4', kubernetesStaging: 'v0.35.4', etcd: 'v3.6.5' },
    },
    kubectlOnly: { '1.34': { kubernetes: 'v1.34.4', kubernetesStaging: 'v0.34.4' } },
    kwok: 'v0.7.0',
    go: 'go1.26',
    ...over,
  });

describe('parsePinnedVersions', () => {
  it('lists every minor oldest first, kubectl-only ones without etcd', () => {
    const { pins, defaultMinor } = parsePinnedVersions(file());
    expect(pins.map((p) => `${p.minor}:${p.kind}:${p.etcd}`)).toEqual([
      '1.34:kubectl:null',
      '1.35:cluster:v3.6.5',
      '1.36:cluster:v3.6.8',
    ]);
    expect(defaultMinor).toBe('1.36');
  });

  it('rejects a release of another minor, naming both', () => {
    const bad = file({
      clusters: { '1.36': { kubernetes: 'v1.37.2', kubernetesStaging: 'v0.36.3', etcd: 'v3.6.8' } },
    });
    expect(() => parsePinnedVersions(bad)).toThrow('minor 1.36 pins v1.37.2 / v0.36.3');
  });

  it('rejects a default that cannot run a cluster', () => {
    expect(() => parsePinnedVersions(file({ default: '1.34' }))).toThrow(
      'default 1.34 is not one of "clusters"',
    );
  });

  it('rejects a malformed field, naming it', () => {
    expect(() => parsePinnedVersions(file({ kwok: '0.7' }))).toThrow(/versions\.json is invalid: kwok/);
  });
});

describe('pinnedKubeVersion', () => {
  it('takes a minor, a v-minor or the exact release; the default without one', () => {
    const newest = clusterKubeVersions.at(-1)!;
    expect(pinnedKubeVersion(newest.minor)).toBe(newest);
    expect(pinnedKubeVersion(`v${newest.minor}`)).toBe(newest);
    expect(pinnedKubeVersion(newest.kubernetes)).toBe(newest);
    expect(pinnedKubeVersion()).toBe(kubeVersions);
    expect(kubeVersions.minor).toBe('1.36');
  });

  it('refuses an unpinned version, listing the pinned ones and where to add one', () => {
    expect(() => pinnedKubeVersion('1.99')).toThrow(
      /"1\.99" is not pinned; pinned: 1\.35 \(v1\.35\.4\), 1\.36 \(v1\.36\.3\), 1\.37 \(v1\.37\.2\); .*Adding a Kubernetes minor/,
    );
    expect(() => pinnedKubeVersion('v1.36.1')).toThrow('minor 1.36 pins v1.36.3');
  });

  it('offers a kubectl-only minor for kubectl but not for a cluster', () => {
    expect(pinnedKubeVersion('1.34', 'any').kind).toBe('kubectl');
    expect(() => pinnedKubeVersion('1.34')).toThrow('pinned for kubectl only');
  });
});

// Each minor's wrapper modules must build exactly what versions.json says: the go.mod files are written by hand
// (docs/local-cluster.md, "Adding a Kubernetes minor"), so a pin changed in one place only fails here, not after a
// 10-minute build.
describe.each(pinnedKubeVersions.map((pin) => [pin.minor, pin] as [string, KubeVersions]))(
  'go/v%s wrapper modules',
  (_minor, pin) => {
    const dir = goModulesDirOf(pin);
    const goMod = readFileSync(join(dir, 'kubernetes', 'go.mod'), 'utf8');

    it(`require k8s.io/kubernetes ${pin.kubernetes} and replace every staging module with ${pin.kubernetesStaging}`, () => {
      expect(goMod).toMatch(
        new RegExp(`^require k8s\\.io/kubernetes ${pin.kubernetes.replace(/\./g, '\\.')}$`, 'm'),
      );
      const replaces = [...goMod.matchAll(/^\t(k8s\.io\/[a-z-]+) => (k8s\.io\/[a-z-]+) (\S+)$/gm)];
      expect(replaces.length).toBeGreaterThanOrEqual(25);
      for (const [, from, to, version] of replaces)
        expect(`${from} => ${to} ${version}`).toBe(`${from} => ${from} ${pin.kubernetesStaging}`);
    });

    it('carry the godebug default of their go line (as k8s.io/kubernetes itself does)', () => {
      const go = /^go 1\.(\d+)\.\d+$/m.exec(goMod)?.[1];
      expect(go, 'a `go 1.N.0` line').toBeDefined();
      expect(goMod).toMatch(new RegExp(`^godebug default=go1\\.${go}$`, 'm'));
      expect(Number(go)).toBeLessThanOrEqual(Number(pin.go.replace('go1.', '')));
    });

    it('import exactly the commands the minor builds', () => {
      const tools = readFileSync(join(dir, 'kubernetes', 'tools.go'), 'utf8');
      const commands = [...tools.matchAll(/"k8s\.io\/kubernetes\/cmd\/([a-z-]+)"/g)].map((m) => m[1]);
      expect(commands.sort()).toEqual(
        binaryNamesOf(pin)
          .filter((n) => n.startsWith('kube'))
          .sort(),
      );
    });

    it(pin.etcd ? `build etcd ${pin.etcd}` : 'have no etcd (kubectl only)', () => {
      const modules = readdirSync(dir).sort();
      if (!pin.etcd) return expect(modules).toEqual(['kubernetes']);
      expect(modules).toEqual(['etcd', 'kubernetes']);
      const etcdMod = readFileSync(join(dir, 'etcd', 'go.mod'), 'utf8');
      expect(etcdMod).toMatch(
        new RegExp(`^require go\\.etcd\\.io/etcd/server/v3 ${pin.etcd.replace(/\./g, '\\.')}$`, 'm'),
      );
      // The etcd the Kubernetes release pins (its client): the server of the same release line.
      const client = /go\.etcd\.io\/etcd\/client\/v3 (v\S+)/.exec(goMod)?.[1];
      expect(client, 'k8s.io/kubernetes requires an etcd client').toBeDefined();
      expect(pin.etcd.split('.').slice(0, 2)).toEqual(client!.split('.').slice(0, 2));
    });
  },
);
