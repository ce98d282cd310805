// ESLint rule mooring/module-boundaries: the seams between modules (packages/modules/<module>/{agent,server,shared}).
// - A module may import another module's `shared/**` and the `index.ts` of another module's same half (agent → agent,
//   server → server); `shared` code imports only `shared/**`. Nothing else of another module.
// - The module APIs (modserver, modagent) and packages/modules/shared are open to every module; they import only
//   `shared/**` of modules.
// - Test helpers live in `testing/` folders; only tests (*.test.ts), other testing/ files, bench/ and e2e/ import them.
// - Apps (composition roots) import a module half through its index.ts (or shared/**).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
const modulesRoot = path.join(repoRoot, 'packages', 'modules');
const infra = new Set(['modserver', 'modagent', 'shared']);
const halves = new Set(['agent', 'server', 'shared']);

/** { module, half, rest } of a path under packages/modules, or null. */
function locate(file) {
  const rel = path.relative(modulesRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const [module, half, ...rest] = rel.split(path.sep);
  return { module, half: halves.has(half) ? half : null, rest: halves.has(half) ? rest : [half, ...rest] };
}

function resolveTarget(specifier, importer) {
  if (specifier.startsWith('@mooring/modules/'))
    return path.join(modulesRoot, specifier.slice('@mooring/modules/'.length));
  if (specifier.startsWith('.')) return path.resolve(path.dirname(importer), specifier);
  return null;
}

const isTestish = (file) => {
  const rel = path.relative(repoRoot, file).split(path.sep);
  return (
    /\.test\.[cm]?[jt]sx?$/.test(file) || rel.includes('testing') || rel[0] === 'bench' || rel[0] === 'e2e'
  );
};

const isIndex = (rest) => rest.length === 1 && /^index(\.ts)?$/.test(rest[0]);

function violation(importerFile, targetFile) {
  const target = locate(targetFile);
  if (!target) return null;
  const targetRel = path.relative(modulesRoot, targetFile).split(path.sep);
  if (targetRel.includes('testing') && !isTestish(importerFile))
    return `${targetRel.join('/')} is a test helper: only tests, testing/ folders, bench/ and e2e/ may import it`;
  const importer = locate(importerFile);
  if (importer && importer.module === target.module) return null;
  if (infra.has(target.module)) return null;
  if (target.half === 'shared') return null;
  if (targetRel.includes('testing') && isTestish(importerFile)) return null;
  const allowedHalf = !importer ? target.half : infra.has(importer.module) ? null : importer.half;
  if (allowedHalf && allowedHalf !== 'shared' && target.half === allowedHalf && isIndex(target.rest))
    return null;
  const via = allowedHalf && allowedHalf !== 'shared' ? `${target.module}/${allowedHalf}/index.ts or ` : '';
  return `${targetRel.join('/')} is inside module ${target.module}: import it through ${via}${target.module}/shared/`;
}

export const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: {
      description: 'modules talk through shared/ and their half’s index.ts; test helpers only from tests',
    },
    schema: [],
  },
  create(context) {
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string') return;
      const target = resolveTarget(specifier, context.filename);
      if (!target) return;
      const message = violation(context.filename, target);
      if (message) context.report({ node: node.source, message });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
