import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Source fixes applied to kwok before building it. Each names the upstream file, the exact text
 * it replaces (the build fails loudly if upstream changed) and why.
 */
export interface KwokPatch {
  id: string;
  file: string;
  find: string;
  replace: string;
  why: string;
}

export const kwokPatches: KwokPatch[] = [
  {
    id: 'close-exec-stdin',
    file: 'pkg/utils/exec/exec.go',
    find: '\t\t\tgo func() {\n\t\t\t\t_, _ = io.Copy(inPipe, opt.In)\n\t\t\t}()',
    replace:
      '\t\t\tgo func() {\n\t\t\t\t_, _ = io.Copy(inPipe, opt.In)\n\t\t\t\t_ = inPipe.Close()\n\t\t\t}()',
    why:
      "kwok (v0.7.0 and v0.8.0) never closes the exec command's stdin when the client's stdin ends, so " +
      '`kubectl exec -i … -- cat` and `kubectl cp` into a pod (tar reading stdin) hang forever.',
  },
];

/** Identifies the patch set, stored beside the binary so a changed set triggers a rebuild. */
export function kwokPatchLevel(): string {
  return kwokPatches.map((patch) => patch.id).join(',');
}

export async function applyKwokPatches(sourceDir: string): Promise<void> {
  for (const patch of kwokPatches) {
    const path = join(sourceDir, patch.file);
    const text = await readFile(path, 'utf8');
    if (!text.includes(patch.find)) {
      throw new Error(
        `kube-dev: kwok patch "${patch.id}" no longer applies: ${patch.file} does not contain the expected code. ` +
          'Check whether the kwok version in versions.json fixed it upstream and update src/kwok-patches.ts.',
      );
    }
    await writeFile(path, text.replace(patch.find, patch.replace));
  }
}
