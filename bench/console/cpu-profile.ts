// A Chromium CPU profile (the DevTools protocol's Profiler domain) of whatever a page does while `work` runs, and a
// summary of its longest busy stretch: the run of samples between two idle ones, which is what a long task is. The
// bench prints it with BENCH_PROFILE=1 so a slow figure comes with where its time went, and saves the whole profile
// under e2e/artifacts/ (open it in Chromium's DevTools, Performance panel, "Load profile").
import fs from 'node:fs';
import path from 'node:path';

import { artifactsDir, type screenshot } from '../../e2e/support/browser';

/** playwright-core's Page (the bench package does not depend on playwright-core itself; e2e/support does). */
type Page = Parameters<typeof screenshot>[0];

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface BusyStretch {
  ms: number;
  /** Function (file:line:column) → ms spent in it, not in what it called. */
  self: [string, number][];
  /** Function → ms spent in it or anything it called (counted once per sample, recursion or not). */
  total: [string, number][];
}

const frameName = (f: CallFrame): string =>
  f.url
    ? `${f.functionName || '(anonymous)'} ${path.basename(f.url.split('?')[0]!)}:${f.lineNumber + 1}:${f.columnNumber + 1}`
    : f.functionName;

/** The longest run of non-idle samples, and its self and total time per function (top `top` of each). */
export function longestBusyStretch(profile: Profile, top = 15): BusyStretch {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  // timeDeltas[i] is the time since the previous sample; sample i covers the interval up to sample i + 1.
  const interval = (i: number) => (profile.timeDeltas[i + 1] ?? 0) / 1000;
  let best = { from: 0, to: 0, ms: 0 };
  let from = 0;
  let ms = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') {
      from = i + 1;
      ms = 0;
      return;
    }
    ms += interval(i);
    if (ms > best.ms) best = { from, to: i + 1, ms };
  });
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (let i = best.from; i < best.to; i++) {
    const dt = interval(i);
    let node = byId.get(profile.samples[i]!);
    const key = frameName(node!.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    while (node) {
      const name = frameName(node.callFrame);
      if (!seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + dt);
      }
      node = node.parent === undefined ? undefined : byId.get(node.parent);
    }
  }
  const ranked = (m: Map<string, number>) =>
    [...m]
      .filter(([name]) => name !== '(root)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
  return { ms: best.ms, self: ranked(self), total: ranked(total) };
}

/** Runs `work` under the profiler; saves the profile as e2e/artifacts/<name>.cpuprofile. */
export async function profiled<T>(
  page: Page,
  name: string,
  work: () => Promise<T>,
): Promise<{ result: T; stretch: BusyStretch; file: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  // 200 µs: fine enough to split a 200 ms task into a thousand samples, coarse enough not to slow it much.
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const stop = async (): Promise<Profile> => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    await cdp.detach();
    return profile;
  };
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await stop();
    throw error;
  }
  const profile = await stop();
  fs.mkdirSync(artifactsDir, { recursive: true, mode: 0o700 });
  const file = path.join(artifactsDir, `${name}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile), { mode: 0o600 });
  return { result, stretch: longestBusyStretch(profile), file };
}

export function printStretch(stretch: BusyStretch, log: (line: string) => void): void {
  log(`longest busy stretch in the profile: ${Math.round(stretch.ms)} ms`);
  log('  self time:');
  for (const [name, ms] of stretch.self) log(`    ${ms.toFixed(1).padStart(7)} ms  ${name}`);
  log('  total time (with callees):');
  for (const [name, ms] of stretch.total) log(`    ${ms.toFixed(1).padStart(7)} ms  ${name}`);
}
