// The config validator's worker thread entry (config-validator.ts). A worker thread starts without
// its parent's TypeScript loader (tsx under `pnpm start` and the demo, vite under vitest), so it
// loads the TypeScript worker module through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./config-validator-worker.ts', import.meta.url);
