import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

// The checked-in migrations must match src/schema.ts: generating against a copy changes nothing.
describe('checked-in migrations', () => {
  it('are up to date with the schema (run `pnpm --filter @mooring/db generate` after editing it)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-migrations-'));
    try {
      const out = path.join(tmp, 'migrations');
      fs.cpSync(path.join(pkgDir, 'migrations'), out, { recursive: true });
      const config = path.join(tmp, 'drizzle.config.mjs');
      fs.writeFileSync(
        config,
        `export default ${JSON.stringify({ dialect: 'postgresql', schema: './src/schema.ts', out: path.relative(pkgDir, out) })};\n`,
      );
      const res = spawnSync(
        path.join(pkgDir, 'node_modules/.bin/drizzle-kit'),
        ['generate', '--config', config],
        {
          cwd: pkgDir,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(`exit ${res.status}: ${res.stderr}${res.stdout}`).toMatch(/^exit 0: /);
      const before = fs.readdirSync(path.join(pkgDir, 'migrations')).sort();
      expect(fs.readdirSync(out).sort()).toEqual(before);
      expect(res.stdout).toMatch(/No schema changes/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
