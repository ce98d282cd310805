// Every Kubernetes minor the local clusters are pinned to (packages/kube-dev/versions.json) is a minor the console
// can judge: adding a minor there without its policy row fails here (docs/local-cluster.md, "Adding a Kubernetes
// minor").
import { pinnedKubeVersions } from '@mooring/kube-dev';
import { describe, expect, it } from 'vitest';
import { defaultVersionPolicy, kubernetesVersionSupport, supportStartOf } from './policy';

describe.each(pinnedKubeVersions.map((pin) => [pin.kubernetes, pin.kind] as const))(
  'pinned Kubernetes %s (%s)',
  (version) => {
    const minor = version.replace(/^v(\d+\.\d+)\.\d+$/, '$1');
    const row = defaultVersionPolicy.minors.find((m) => m.minor === minor);

    it('has a row in version-policy.json', () => {
      expect(
        row,
        `add {"minor": "${minor}", "released": …, "endOfLife": …} to version-policy.json`,
      ).toBeDefined();
    });

    it('is supported from its support start until a newer minor matures', () => {
      const start = new Date(`${supportStartOf(row!)}T00:00:00Z`);
      expect(kubernetesVersionSupport(version, start).status).toBe('supported');
      expect(kubernetesVersionSupport(version, new Date(start.getTime() - 86_400_000)).status).toBe(
        'too_new',
      );
    });
  },
);
