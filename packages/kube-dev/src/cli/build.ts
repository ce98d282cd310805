import { statSync } from 'node:fs';
import { join } from 'node:path';
import { binaryNamesOf } from '../build-plan';
import { ensureKubeBinaries, ensureKubectl, kubeCacheDir } from '../build';
import { pinnedKubeVersions } from '../versions';
import { parseKubeCliArgs } from './args';

const started = Date.now();
try {
  const { pin, all } = parseKubeCliArgs(process.argv.slice(2), process.env, { allowAll: true });
  for (const each of all ? pinnedKubeVersions : [pin]) {
    const began = Date.now();
    if (each.kind === 'cluster') await ensureKubeBinaries({ version: each.minor });
    else await ensureKubectl({ version: each.minor });
    const dir = kubeCacheDir(process.env, each.minor);
    for (const name of binaryNamesOf(each)) {
      const size = (statSync(join(dir, name)).size / 1e6).toFixed(1);
      console.log(`${name.padEnd(24)} ${size.padStart(6)} MB  ${join(dir, name)}`);
    }
    console.log(
      `Kubernetes ${each.kubernetes} ${each.kind === 'cluster' ? 'binaries' : 'kubectl (client only)'} ready (${((Date.now() - began) / 1000).toFixed(1)} s).`,
    );
  }
  if (all) console.log(`All pinned versions ready (${((Date.now() - started) / 1000).toFixed(1)} s).`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
