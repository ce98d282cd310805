import { describe, expect, it } from 'vitest';
import { helmInstallCommand, needsKasCa, servedChartUrl } from './helm-install-command';

describe('the helm install line', () => {
  it('names the release, namespace, image, kas address, CA and token file with the chart values', () => {
    expect(
      helmInstallCommand({
        agentName: 'edge',
        chart: servedChartUrl('https://kas.example.com/', '0.1.0'),
        imageRepository: 'registry.example.com/mooring/agentk',
        kasAddress: 'grpcs://kas.example.com:8150',
        caFile: 'mooring-kas-ca.crt',
      }),
    ).toBe(
      'helm install mooring-agent-edge https://kas.example.com/api/v1/charts/agentk-0.1.0.tgz --namespace mooring-system --create-namespace \\\n' +
        '  --set image.repository=registry.example.com/mooring/agentk \\\n' +
        '  --set kas.address=grpcs://kas.example.com:8150 \\\n' +
        '  --set-file kas.caCert=mooring-kas-ca.crt \\\n' +
        '  --set-file token.value=.mooring/edge.agent-token',
    );
  });

  it('leaves the CA out for a public certificate and quotes what the shell would split', () => {
    const line = helmInstallCommand({
      agentName: 'edge',
      chart: './deploy/charts/agentk',
      imageRepository: "my repo's/agentk",
      kasAddress: 'grpc://kas:8150',
      caFile: null,
    });
    expect(line).not.toContain('caCert');
    expect(line).toContain(`--set image.repository='my repo'\\''s/agentk'`);
    expect(needsKasCa('grpc://kas:8150', 'PEM')).toBe(false);
    expect(needsKasCa('grpcs://kas:8150', null)).toBe(false);
    expect(needsKasCa('grpcs://kas:8150', 'PEM')).toBe(true);
  });
});
