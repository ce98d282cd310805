import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../scripts/generate.sh', import.meta.url));

describe('packages/proto/gen', () => {
  it('matches what the .proto files generate (run `pnpm --filter @mooring/proto generate` if not)', async () => {
    const result = await run('bash', [script, '--check'], { timeout: 60_000 }).then(
      (r) => ({ code: 0, output: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? 1,
        output: `${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );
    expect(result.output).toContain('up to date');
    expect(result.code).toBe(0);
  }, 60_000);
});
