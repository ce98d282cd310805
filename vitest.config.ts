import { defineConfig } from 'vitest/config';

// One workspace config: unit tests (*.test.ts, beside the code) and integration tests
// (*.int.test.ts, real servers on port 0, a real local Kubernetes cluster shared per run).
const exclude = ['**/node_modules/**', '**/dist/**', '**/.next/**', '**/.mooring/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts', '**/*.test.tsx'],
          exclude: [...exclude, '**/*.int.test.ts', 'e2e/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude,
          globalSetup: ['./packages/kube-dev/src/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
