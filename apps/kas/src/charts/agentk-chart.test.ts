import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseTar } from 'nanotar';
import { afterEach, describe, expect, it } from 'vitest';
import { chartLimits, createAgentkChartServer } from './agentk-chart';

const dirs: string[] = [];
function chartDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentk-chart-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the agentk chart server', () => {
  it('packs the directory under agentk/, leaving out packed charts and dot files but .helmignore', async () => {
    const dir = chartDir({
      'Chart.yaml': 'apiVersion: v2\nname: agentk\nversion: 1.2.3\n',
      'templates/a.yaml': 'kind: A\n',
      '.helmignore': '*.tgz\n',
      '.secret-notes': 'x',
      'agentk-1.2.2.tgz': 'old',
    });
    const answer = await createAgentkChartServer(dir).get('agentk-1.2.3.tgz');
    expect(answer.kind).toBe('chart');
    if (answer.kind !== 'chart') return;
    expect(answer.fileName).toBe('agentk-1.2.3.tgz');
    const names = parseTar(gunzipSync(answer.body)).map((e) => e.name);
    expect(names.sort()).toEqual(['agentk/.helmignore', 'agentk/Chart.yaml', 'agentk/templates/a.yaml']);
  });

  it('answers not found naming the version it serves, the setting when there is no chart', async () => {
    const server = createAgentkChartServer(chartDir({ 'Chart.yaml': 'name: agentk\nversion: 1.2.3\n' }));
    expect(await server.get('agentk-0.0.1.tgz')).toEqual({
      kind: 'not_found',
      message:
        'this kas serves the agentk chart agentk-1.2.3.tgz only (its version); agentk-0.0.1.tgz is not here',
    });
    const missing = await createAgentkChartServer(chartDir({})).get('agentk-1.2.3.tgz');
    expect(missing).toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining('MOORING_AGENTK_CHART_DIR'),
    });
    const other = await createAgentkChartServer(
      chartDir({ 'Chart.yaml': 'name: kas\nversion: 1.0.0\n' }),
    ).get('agentk-1.0.0.tgz');
    expect(other).toMatchObject({
      kind: 'not_found',
      message: expect.stringContaining('is not the agentk chart'),
    });
  });

  it(`refuses a directory of more than ${chartLimits.files} files (a wrong setting must not cost memory)`, async () => {
    const files: Record<string, string> = { 'Chart.yaml': 'name: agentk\nversion: 1.0.0\n' };
    for (let i = 0; i <= chartLimits.files; i++) files[`templates/f${i}.yaml`] = 'x';
    await expect(createAgentkChartServer(chartDir(files)).get('agentk-1.0.0.tgz')).rejects.toThrow(
      `more than ${chartLimits.files} files`,
    );
  });
});
