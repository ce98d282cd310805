import { statSync } from 'node:fs';
import { ensureKubeBinaries, kubeBinaryNames } from '../build';

const started = Date.now();
try {
  const binaries = await ensureKubeBinaries();
  for (const name of kubeBinaryNames) {
    const size = (statSync(binaries[name]).size / 1e6).toFixed(1);
    console.log(`${name.padEnd(24)} ${size.padStart(6)} MB  ${binaries[name]}`);
  }
  console.log(
    `Kubernetes ${binaries.version} binaries ready (${((Date.now() - started) / 1000).toFixed(1)} s).`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
