// `pnpm helm:build`: builds (or finds) the cached helm the chart tests use, and says where it is.
import { ensureHelm } from '../helm';

const started = Date.now();
try {
  const helm = await ensureHelm();
  console.log(`helm ${helm.version} ready (${((Date.now() - started) / 1000).toFixed(1)} s): ${helm.path}`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
