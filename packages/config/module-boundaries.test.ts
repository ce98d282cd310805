import { Linter } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleBoundaries } from './module-boundaries.js';

const repo = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const linter = new Linter({ configType: 'flat' });
const config = [
  {
    files: ['**/*.js', '**/*.ts'],
    languageOptions: { ecmaVersion: 2023 as const, sourceType: 'module' as const },
    plugins: { mooring: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'mooring/module-boundaries': 'error' as const },
  },
];
/** The rule's messages for `source` imported from `file` (relative to the repository). */
const problems = (file: string, source: string) =>
  linter
    .verify(`import x from '${source}';\nexport { x };\n`, config, { filename: path.join(repo, file) })
    .map((m) => m.message);

describe('mooring/module-boundaries', () => {
  it.each([
    ['packages/modules/kubernetes_api/server/kas-module.js', '../../reverse_tunnel/shared/tunnel-api'],
    ['packages/modules/kubernetes_api/server/kas-module.js', '../../reverse_tunnel/server/index'],
    ['packages/modules/kubernetes_api/server/kas-module.js', '../../modserver/index'],
    ['packages/modules/kubernetes_api/server/kas-module.js', './proxy-server'],
    [
      'packages/modules/kubernetes_api/server/faults.int.test.js',
      '../../modserver/testing/in-test-token-verifier',
    ],
    ['bench/tunnel/run.js', '@mooring/modules/reverse_tunnel/server/testing/agent-api-server'],
    ['apps/kas/src/modules.js', '@mooring/modules/reverse_tunnel/server/index'],
  ])('allows %s to import %s', (file, source) => {
    expect(problems(file, source)).toEqual([]);
  });

  it.each([
    [
      'packages/modules/kubernetes_api/server/kas-module.js',
      '../../reverse_tunnel/server/tls',
      'reverse_tunnel/server/tls is inside module reverse_tunnel: import it through reverse_tunnel/server/index.ts or reverse_tunnel/shared/',
    ],
    [
      'packages/modules/kubernetes_api/agent/register.js',
      '../../reverse_tunnel/server/index',
      'import it through reverse_tunnel/agent/index.ts or reverse_tunnel/shared/',
    ],
    [
      'packages/modules/kubernetes_api/shared/index.js',
      '../../reverse_tunnel/agent/index',
      'import it through reverse_tunnel/shared/',
    ],
    [
      'packages/modules/reverse_tunnel/server/index.js',
      '../../modserver/testing/in-test-token-verifier',
      'is a test helper: only tests, testing/ folders, bench/ and e2e/ may import it',
    ],
    [
      'apps/kas/src/modules.js',
      '@mooring/modules/reverse_tunnel/server/kas-module',
      'import it through reverse_tunnel/server/index.ts',
    ],
  ])('refuses %s importing %s', (file, source, message) => {
    expect(problems(file, source).join('\n')).toContain(message);
  });
});
