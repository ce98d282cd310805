// kas serves the agentk chart at GET /api/v1/charts/agentk-<version>.tgz (MOORING_AGENTK_CHART_DIR): downloaded from
// a real kas, it is a .tgz whose entries all sit under agentk/, and helm renders it straight from kas's URL — the
// chart argument the install line prints when there is no clone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestKas, type TestKas } from '@mooring/kas/testing/test-kas';
import { parseTarGzip } from 'nanotar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { agentkChart, startHelm, type HelmRunner } from '../testing/helm';

const version = (parse(readFileSync(path.join(agentkChart, 'Chart.yaml'), 'utf8')) as { version: string })
  .version;
let helm: HelmRunner;
let tk: TestKas;
const started = Date.now();

beforeAll(async () => {
  helm = await startHelm();
  tk = await startTestKas('pglite');
}, 1_800_000); // a cold helm build takes minutes on 2 shared cores
afterAll(async () => {
  await tk?.dispose();
  helm?.dispose();
  process.stderr.write(`kas-serves-chart: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

describe('GET /api/v1/charts/agentk-<version>.tgz', () => {
  it('answers the chart directory as a .tgz under agentk/, without a login', async () => {
    const res = await fetch(`${tk.apiUrl}/api/v1/charts/agentk-${version}.tgz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const entries = await parseTarGzip(new Uint8Array(await res.arrayBuffer()));
    const names = entries.map((e) => e.name);
    expect(
      names.every((n) => n.startsWith('agentk/')),
      names.join(', '),
    ).toBe(true);
    for (const file of [
      'Chart.yaml',
      'values.yaml',
      'values.schema.json',
      'rbac-rules.json',
      'templates/deployment.yaml',
    ])
      expect(names).toContain(`agentk/${file}`);
    const chartYaml = entries.find((e) => e.name === 'agentk/Chart.yaml')!;
    expect(chartYaml.text).toBe(readFileSync(path.join(agentkChart, 'Chart.yaml'), 'utf8'));
  });

  it('is what helm installs from kas’s URL', async () => {
    const result = await helm.run([
      'template',
      'mooring-agent-prod',
      `${tk.apiUrl}/api/v1/charts/agentk-${version}.tgz`,
      '--namespace',
      'mooring-system',
      '-f',
      helm.valuesFile({
        image: { repository: 'registry.example.com/mooring/agentk' },
        kas: { address: 'grpcs://kas.example.com:8150' },
        token: { value: `mgt-${'K'.repeat(50)}` },
      }),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('kind: Deployment');
    expect(result.stdout).toContain('--kas-address=grpcs://kas.example.com:8150');
  });

  it('answers 404 naming the version it serves for any other', async () => {
    const res = await fetch(`${tk.apiUrl}/api/v1/charts/agentk-9.9.9.tgz`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain(`agentk-${version}.tgz only`);
  });
});
