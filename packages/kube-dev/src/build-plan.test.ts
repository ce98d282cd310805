import { describe, expect, it } from 'vitest';
import { kwokCrdName, planBuild, versionLdflags } from './build-plan';
import { kubeVersions } from './versions';

describe('versionLdflags', () => {
  it('stamps component-base and client-go with the release version', () => {
    const flags = versionLdflags('v1.36.3');
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.36.3');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMinor=36');
    expect(flags).toContain('-X k8s.io/component-base/version.gitTreeState=clean');
    expect(flags).toContain('-X k8s.io/client-go/pkg/version.gitVersion=v1.36.3');
    expect(flags.startsWith('-s -w ')).toBe(true);
  });

  it('rejects a version that is not vMAJOR.MINOR.PATCH', () => {
    expect(() => versionLdflags('1.36')).toThrow(/v1\.36\.3/);
  });
});

describe('planBuild', () => {
  it('builds only the missing binaries, with the local toolchain and no cgo', () => {
    const steps = planBuild(new Set(['kubectl', 'etcd']), kubeVersions, '/repo/go', '/cache/.build-x');
    expect(steps.map((step) => step.outputs)).toEqual([['kubectl'], ['etcd']]);
    const [kube, etcd] = steps;
    expect(kube!.cwd).toBe('/repo/go/kubernetes');
    expect(kube!.args).toContain('k8s.io/kubernetes/cmd/kubectl');
    expect(kube!.args).not.toContain('k8s.io/kubernetes/cmd/kube-apiserver');
    expect(kube!.env).toEqual({ GOTOOLCHAIN: 'local', CGO_ENABLED: '0' });
    expect(etcd!.cwd).toBe('/repo/go/etcd');
    expect(etcd!.args).toContain('go.etcd.io/etcd/server/v3');
  });

  it('plans nothing when nothing is missing', () => {
    expect(planBuild(new Set(), kubeVersions, '/repo/go', '/tmp/x')).toEqual([]);
  });
});

describe('planBuild for a kubectl-only minor', () => {
  const kubectlOnly = { ...kubeVersions, minor: '1.34', kind: 'kubectl' as const, etcd: null };
  it('builds kubectl alone', () => {
    const [step, ...rest] = planBuild(new Set(['kubectl']), kubectlOnly, '/repo/go/v1.34', '/tmp/x');
    expect(rest).toEqual([]);
    expect(step!.outputs).toEqual(['kubectl']);
    expect(step!.cwd).toBe('/repo/go/v1.34/kubernetes');
  });
  it('refuses the control plane, naming the minor', () => {
    expect(() => planBuild(new Set(['kube-apiserver', 'etcd']), kubectlOnly, '/g', '/t')).toThrow(
      'Kubernetes 1.34 is pinned for kubectl only; it cannot build kube-apiserver, etcd',
    );
  });
});

it('kwokCrdName maps a CRD file to its object name', () => {
  expect(kwokCrdName('kwok.x-k8s.io_portforwards.yaml')).toBe('portforwards.kwok.x-k8s.io');
});
