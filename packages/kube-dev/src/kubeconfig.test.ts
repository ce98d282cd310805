import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig';

const input = {
  clusterName: 'c1',
  server: 'https://127.0.0.1:6443',
  caData: Buffer.from('PEM').toString('base64'),
  userName: 'admin',
  token: 'secret-token',
};

describe('renderKubeconfig', () => {
  it('embeds the CA and the token and selects its own context', () => {
    const config = parse(renderKubeconfig({ ...input, namespace: 'mooring-system' }));
    expect(config.clusters[0].cluster).toEqual({
      server: input.server,
      'certificate-authority-data': input.caData,
    });
    expect(config.users[0]).toEqual({ name: 'admin', user: { token: 'secret-token' } });
    expect(config['current-context']).toBe('admin@c1');
    expect(config.contexts[0].context).toEqual({ cluster: 'c1', user: 'admin', namespace: 'mooring-system' });
    expect(renderKubeconfig(input)).not.toContain('insecure-skip-tls-verify');
  });

  it('refuses plain http, a missing CA or a missing token', () => {
    expect(() => renderKubeconfig({ ...input, server: 'http://127.0.0.1:1' })).toThrow(/https/);
    expect(() => renderKubeconfig({ ...input, caData: '' })).toThrow(/certificate-authority-data/);
    expect(() => renderKubeconfig({ ...input, token: '' })).toThrow(/token/);
  });
});
