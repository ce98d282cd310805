// Summarizes a V8 CPU profile (`node --cpu-prof`): the top frames by self time and by inclusive time, in µs per
// request when `--requests N` is given (`pnpm exec tsx bench/tunnel/profile-summary.ts FILE [--requests N] [--top 25]`).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file] = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const requests = opt('requests', 0);
const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
/** Samples before the first one whose stack holds this function are start-up, not load. */
const from = text('from');
/** Prints the stacks (5 frames up) that spend self time in frames matching this. */
const callers = text('callers');
const top = opt('top', 25);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*\/node_modules\/(\.pnpm\/)?/, '').replace(/^.*\/wt\/[^/]+\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;
let started = !from;
const stacks = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  if (!started) {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
      if (byId.get(cur)!.callFrame.functionName === from) started = true;
    if (!started) return;
  }
  if (callers && key(node).includes(callers)) {
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 14; cur = parent.get(cur))
      chain.push(key(byId.get(cur)!));
    const k = chain.join(' < ');
    stacks.set(k, (stacks.get(k) ?? 0) + dt);
  }
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  total += dt;
  self.set(key(node), (self.get(key(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  }
});
const unit = (us: number) =>
  requests ? `${(us / requests).toFixed(1)} µs/req` : `${(us / 1000).toFixed(1)} ms`;
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${unit(v).padStart(16)} ${((v / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`${file}: busy ${unit(total)}, idle ${(idle / 1000).toFixed(0)} ms`);
print('self time', self);
print('inclusive time', inclusive);
if (callers) print(`stacks under ${callers}`, stacks);
