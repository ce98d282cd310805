// Compares two V8 heap snapshots by constructor (`pnpm exec tsx bench/tunnel/heap-diff.ts BEFORE AFTER [--per N]
// [--top 30]`): objects and self size added between them, largest first; `--per N` divides by N (e.g. agents).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per `type:name` (objects by constructor name, closures by function name). */
function byConstructor(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'closure' || type === 'native'
        ? snap.strings[snap.nodes[i + nameAt]!]!
        : '';
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

const { values, positionals } = parseArgs({
  options: { per: { type: 'string' }, top: { type: 'string' } },
  allowPositionals: true,
});
const [beforeFile, afterFile] = positionals;
if (!beforeFile || !afterFile)
  throw new Error('usage: heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per N]');
const per = Number(values.per ?? 1);
const before = byConstructor(beforeFile);
const after = byConstructor(afterFile);
const rows = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { count: 0, size: 0 };
  return { key, count: (a.count - b.count) / per, size: (a.size - b.size) / per };
});
rows.sort((x, y) => y.size - x.size);
const total = rows.reduce((sum, r) => sum + r.size, 0);
console.log(`| type:constructor | objects${per > 1 ? ' / N' : ''} | self bytes${per > 1 ? ' / N' : ''} |`);
console.log('|---|---|---|');
for (const r of rows.slice(0, Number(values.top ?? 30)))
  console.log(`| ${r.key} | ${r.count.toFixed(1)} | ${Math.round(r.size)} |`);
console.log(`| total | | ${Math.round(total)} |`);
