// The charts' versions follow the apps': chart version = appVersion = the app's package.json version.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

describe('chart versions', () => {
  for (const app of ['agentk', 'kas']) {
    it(`${app}: version = appVersion = apps/${app}/package.json`, () => {
      const chart = parse(read(`deploy/charts/${app}/Chart.yaml`)) as { version: string; appVersion: string };
      const pkg = JSON.parse(read(`apps/${app}/package.json`)) as { version: string };
      expect(chart.version).toBe(pkg.version);
      expect(chart.appVersion).toBe(pkg.version);
    });
  }

  it('each chart has a values schema that is JSON and refuses unknown top-level values', () => {
    for (const app of ['agentk', 'kas']) {
      const schema = JSON.parse(read(`deploy/charts/${app}/values.schema.json`)) as {
        additionalProperties?: boolean;
      };
      expect(schema.additionalProperties, app).toBe(false);
    }
  });
});
