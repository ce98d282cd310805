import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kubeconfigTarget, mergeKubeconfigs } from './kubeconfig-merge';

const fromKas = `apiVersion: v1
kind: Config
clusters: [{name: mooring, cluster: {server: "https://127.0.0.1:8154/k8s-proxy"}}]
users: [{name: "agent:1", user: {token: "pat:1:new"}}]
contexts: [{name: p/a, context: {cluster: mooring, user: "agent:1"}}]
current-context: p/a
`;

describe('merging kas kubeconfig into the user one', () => {
  it('replaces entries of the same name, keeps the rest and the current context unless asked', () => {
    const mine = `apiVersion: v1
kind: Config
preferences: {colors: true}
clusters: [{name: mooring, cluster: {server: old}}, {name: home, cluster: {server: "https://home"}}]
users: [{name: "agent:1", user: {token: old}}, {name: me, user: {token: t}}]
contexts: [{name: home, context: {cluster: home, user: me}}]
current-context: home
`;
    const merged = parse(mergeKubeconfigs(mine, fromKas, false, 'f')) as Record<string, unknown>;
    expect(merged).toMatchObject({
      preferences: { colors: true },
      'current-context': 'home',
      clusters: [
        { name: 'home' },
        { name: 'mooring', cluster: { server: 'https://127.0.0.1:8154/k8s-proxy' } },
      ],
      users: [{ name: 'me' }, { name: 'agent:1', user: { token: 'pat:1:new' } }],
    });
    expect((merged.contexts as { name: string }[]).map((c) => c.name)).toEqual(['home', 'p/a']);
    expect(
      (parse(mergeKubeconfigs(mine, fromKas, true, 'f')) as Record<string, unknown>)['current-context'],
    ).toBe('p/a');
    expect(
      (parse(mergeKubeconfigs(undefined, fromKas, false, 'f')) as Record<string, unknown>)['current-context'],
    ).toBe('p/a');
  });

  it('refuses a file that is not a kubeconfig, naming it', () => {
    expect(() => mergeKubeconfigs('clusters: 3', fromKas, false, '/x/config')).toThrow(
      /\/x\/config is not a kubeconfig/,
    );
    expect(() => mergeKubeconfigs('a: [', fromKas, false, '/x/config')).toThrow(
      /\/x\/config is not valid YAML/,
    );
  });

  it('writes to --kubeconfig, else the first file of KUBECONFIG, else ~/.kube/config', () => {
    expect(kubeconfigTarget({ HOME: '/h' }, '/f')).toBe('/f');
    expect(kubeconfigTarget({ HOME: '/h', KUBECONFIG: '/a:/b' }, undefined)).toBe('/a');
    expect(kubeconfigTarget({ HOME: '/h' }, undefined)).toBe('/h/.kube/config');
  });
});
