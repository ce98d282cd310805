// What an idle agent costs kas, part by part (`pnpm exec tsx bench/tunnel/idle-breakdown.ts [--agents 1000]
// [--snapshot DIR]`): kas's agent listener measured with N agents connected in several shapes, each on a fresh kas:
//   channel        TLS + HTTP/2 connection only, no call (kas's first-call limit off)
//   idle k         agentk with k idle tunnels (pool minIdle = scaleUpStep = k), its configuration stream, registrar
//   default        agentk with its default pool settings
// The per-tunnel cost is the slope between the `idle k` rows; configuration stream + registrar + per-agent maps
// are what `idle 1` adds to `channel` beyond one tunnel. With --snapshot DIR, heap snapshots of kas at 0 and N agents
// of one shape (`--snapshot-shape`, default `default`) are written to DIR in a pass of their own (compare them with
// bench/tunnel/heap-diff.ts); `--only channel,default` measures those shapes alone.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureIdleMemory, type IdleMemory, type IdleMemoryOptions } from './idle-memory';
import { killAll, runBench } from './run-bench';

const { values } = parseArgs({
  options: {
    agents: { type: 'string' },
    snapshot: { type: 'string' },
    'snapshot-shape': { type: 'string' },
    only: { type: 'string' },
  },
});
const count = Number(values.agents ?? 1000);
const children: ChildProcess[] = [];
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const shapes: Array<{ name: string; agents: IdleMemoryOptions['agents'] }> = [
  { name: 'channel', agents: { mode: 'channel' } },
  { name: 'idle 1', agents: { pool: { minIdle: 1, scaleUpStep: 1 } } },
  { name: 'idle 2', agents: { pool: { minIdle: 2, scaleUpStep: 2 } } },
  { name: 'idle 10', agents: { pool: { minIdle: 10, scaleUpStep: 10 } } },
  { name: 'default', agents: {} },
];

async function main(): Promise<void> {
  const results = new Map<string, IdleMemory>();
  const only = values.only?.split(',');
  for (const shape of shapes) {
    if (only && !only.includes(shape.name)) continue;
    results.set(
      shape.name,
      await measureIdleMemory({ count, agents: shape.agents, log, track: (c) => children.push(c) }),
    );
  }
  // A pass of its own: writing a snapshot grows kas's RSS, which must not reach the figures above.
  if (values.snapshot) {
    const shape = shapes.find((s) => s.name === (values['snapshot-shape'] ?? 'default'));
    if (!shape) throw new Error(`--snapshot-shape: one of ${shapes.map((s) => s.name).join(', ')}`);
    mkdirSync(values.snapshot, { recursive: true });
    const snapshotPrefix = join(values.snapshot, `kas-${shape.name.replace(' ', '')}`);
    await measureIdleMemory({ count, agents: shape.agents, snapshotPrefix, track: (c) => children.push(c) });
    log(`heap snapshots: ${snapshotPrefix}-0.heapsnapshot and ${snapshotPrefix}-${count}.heapsnapshot`);
  }
  const kib = (n: number) => `${n.toFixed(1)} KiB`;
  console.log(
    `| shape (${count} agents) | tunnels | RSS / agent | JS heap / agent | external / agent | ArrayBuffers / agent |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const [name, m] of results)
    console.log(
      `| ${name} | ${m.after.idle} idle, ${m.after.configStreams} config | ${kib(m.perAgentKiB.rss)} | ${kib(m.perAgentKiB.heap)} | ${kib(m.perAgentKiB.external)} | ${kib(m.perAgentKiB.arrayBuffers)} |`,
    );
  const one = results.get('idle 1');
  const ten = results.get('idle 10');
  const channel = results.get('channel');
  if (one && ten) {
    const tunnelsPerAgent = (m: IdleMemory) => m.after.idle / count;
    const slope = (k: 'rss' | 'heap') =>
      (ten.perAgentKiB[k] - one.perAgentKiB[k]) / (tunnelsPerAgent(ten) - tunnelsPerAgent(one));
    console.log(`\nper idle tunnel: RSS ${kib(slope('rss'))}, JS heap ${kib(slope('heap'))}`);
    if (channel)
      console.log(
        `config stream + registrar + per-agent state: RSS ${kib(one.perAgentKiB.rss - channel.perAgentKiB.rss - slope('rss'))}, ` +
          `JS heap ${kib(one.perAgentKiB.heap - channel.perAgentKiB.heap - slope('heap'))}`,
      );
  }
}

runBench(main, killAll(children));
