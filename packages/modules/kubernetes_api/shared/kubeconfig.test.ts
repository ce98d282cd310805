import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildAgentsKubeconfig, buildProxyKubeconfig } from './kubeconfig';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('buildProxyKubeconfig', () => {
  it('embeds the CA and a pat token, never skipping TLS verification', () => {
    const text = buildProxyKubeconfig({
      proxyUrl: 'https://127.0.0.1:8154/k8s-proxy',
      caPem,
      agentId: 3,
      token: 'mpat-x',
      namespace: 'demo',
    });
    expect(text).not.toContain('insecure-skip-tls-verify');
    const config = parse(text);
    expect(config.clusters[0].cluster['certificate-authority-data']).toBe(
      Buffer.from(caPem).toString('base64'),
    );
    expect(config.users[0]).toEqual({ name: 'agent:3', user: { token: 'pat:3:mpat-x' } });
    expect(config.contexts[0].context).toEqual({ cluster: 'mooring', user: 'agent:3', namespace: 'demo' });
    expect(config['current-context']).toBe('agent:3');
  });

  it('rejects an http URL with the field named', () => {
    expect(() =>
      buildProxyKubeconfig({ proxyUrl: 'http://x/k8s-proxy', caPem, agentId: 1, token: 't' }),
    ).toThrow(/proxyUrl must be an https:\/\/ URL/);
  });

  it('leaves the CA out when the proxy serves a certificate from the system roots', () => {
    const config = parse(
      buildProxyKubeconfig({
        proxyUrl: 'https://kas.example/k8s-proxy',
        caPem: null,
        agentId: 1,
        token: 't',
      }),
    ) as { clusters: { cluster: Record<string, unknown> }[] };
    expect(config.clusters[0]!.cluster).toEqual({ server: 'https://kas.example/k8s-proxy' });
  });

  it('gives every agent its own context and user, the same token, and the first context current', () => {
    const config = parse(
      buildAgentsKubeconfig({
        proxyUrl: 'https://kas.example/k8s-proxy',
        caPem,
        token: 'mpat-y',
        agents: [
          { agentId: 4, context: 'web/shop/prod', namespace: 'shop' },
          { agentId: 9, context: 'ops/tools/dev' },
        ],
      }),
    );
    expect(config.users).toEqual([
      { name: 'agent:4', user: { token: 'pat:4:mpat-y' } },
      { name: 'agent:9', user: { token: 'pat:9:mpat-y' } },
    ]);
    expect(config.contexts).toEqual([
      { name: 'web/shop/prod', context: { cluster: 'mooring', user: 'agent:4', namespace: 'shop' } },
      { name: 'ops/tools/dev', context: { cluster: 'mooring', user: 'agent:9' } },
    ]);
    expect(config['current-context']).toBe('web/shop/prod');
    expect(config.clusters).toHaveLength(1);
  });

  it('refuses an empty agent list with the field named', () => {
    expect(() => buildAgentsKubeconfig({ proxyUrl: 'https://k/p', caPem, token: 't', agents: [] })).toThrow(
      /buildProxyKubeconfig: agents/,
    );
  });
});
