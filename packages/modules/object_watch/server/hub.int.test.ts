// The hub on the real local cluster with real agentk processes and kas's real agent listener and tunnel: one
// upstream watch fans a Deployment's pods out to two viewers, and neither a killed agentk pod nor a restart of
// every agentk costs a viewer an object or shows it one twice.
import { randomBytes } from 'node:crypto';
import { kubectlOrThrow } from '@mooring/kube-dev';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProxyWorld, type ProxyWorld } from '../../kubernetes_api/server/testing/proxy-world';
import { until } from '../../shared/testing/until';
import type { ObjectRow } from '../shared/watch-api';
import type { ViewerEvent, WatchKey } from './hub-api';
import { createObjectWatchHub, type RunningObjectWatchHub } from './hub';
import { createObjectWatchMetrics } from './metrics';

const cluster = inject('kubeCluster');
const NS = `owhub-${randomBytes(3).toString('hex')}`;
let world: ProxyWorld;
let hub: RunningObjectWatchHub;
const registry = new Registry();

const kubectl = (...args: string[]) =>
  kubectlOrThrow(cluster.kubectlPath, args, { kubeconfig: cluster.kubeconfigPath });

/** The uids of the namespace's pods as the API server has them now. */
async function podUids(): Promise<string[]> {
  const list = JSON.parse(await kubectl('get', 'pods', '-n', NS, '-o', 'json')) as {
    items: { metadata: { uid: string } }[];
  };
  return list.items.map((p) => p.metadata.uid).sort();
}

/** A viewer folding its events into rows and noting anything that contradicts them (a second add, a lost row). */
function viewer(key: WatchKey) {
  const controller = new AbortController();
  const rows = new Map<string, ObjectRow>();
  const contradictions: string[] = [];
  const events: ViewerEvent[] = [];
  let pending: Map<string, ObjectRow> | null = null;
  void (async () => {
    for await (const event of hub.watch(key, { signal: controller.signal })) {
      events.push(event);
      if (event.type === 'snapshot') {
        pending ??= new Map();
        for (const r of event.rows) pending.set(r.uid, r);
        if (event.last) {
          if (rows.size > 0) contradictions.push('a second snapshot');
          rows.clear();
          for (const [uid, r] of pending) rows.set(uid, r);
          pending = null;
        }
      } else if (event.type === 'deltas') {
        for (const d of event.deltas) {
          const had = rows.has(d.row.uid);
          if (d.type === 'added' && had) contradictions.push(`duplicate add of ${d.row.name}`);
          if (d.type !== 'added' && !had) contradictions.push(`${d.type} of unknown ${d.row.name}`);
          if (d.type === 'deleted') rows.delete(d.row.uid);
          else rows.set(d.row.uid, d.row);
        }
      }
    }
  })();
  return {
    rows,
    contradictions,
    events,
    abort: () => controller.abort(),
    uids: () => [...rows.keys()].sort(),
  };
}

async function scale(replicas: number): Promise<void> {
  await kubectl('scale', 'deployment', 'web', '-n', NS, `--replicas=${replicas}`);
}

/** Until every viewer shows exactly the namespace's pods, `replicas` of them. */
async function viewersMatch(viewers: ReturnType<typeof viewer>[], replicas: number): Promise<void> {
  await until(
    () =>
      `viewers to show the ${replicas} pods of ${NS} (viewers: ${viewers.map((v) => v.uids().length).join(', ')})`,
    async () => {
      const actual = await podUids();
      return actual.length === replicas && viewers.every((v) => v.uids().join() === actual.join());
    },
    90_000,
  );
}

/** A counter of the hub's metrics with one label, by that label's value. */
async function counter(name: string): Promise<Record<string, number>> {
  const text = await registry.metrics();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{\w+="(\w+)"\} (\d+)$/.exec(line);
    if (m?.[1] === name) counts[m[2]!] = Number(m[3]);
  }
  return counts;
}

async function upstreamMetric(): Promise<number> {
  const text = await registry.metrics();
  return Number(/^mooring_kas_object_watch_upstreams (\d+)$/m.exec(text)?.[1]);
}

/** The agentk pod whose tunnel carries the (only) watch call now. */
function servingPod(): string | undefined {
  return world.agentServer.connectedAgents.list(world.agentId).find((p) => p.tunnels.active > 0)?.meta
    ?.podName;
}

beforeAll(async () => {
  world = await startProxyWorld(cluster);
  await Promise.all([world.startAgentk('owhub-a'), world.startAgentk('owhub-b')]);
  const metrics = createObjectWatchMetrics(registry, () => hub);
  hub = createObjectWatchHub({
    dialer: world.agentServer.dialer,
    log: pino({ level: process.env.MOORING_TEST_LOG ?? 'silent' }),
    hooks: metrics.hooks,
    // Reconnects after an agentk dies come quickly; the default backoff would only make the test slower.
    backoff: { initialMs: 200, maxMs: 2_000 },
  });
  await kubectl('create', 'namespace', NS);
  await kubectl('create', 'deployment', 'web', '--image=registry.invalid/web:1', '--replicas=1', '-n', NS);
}, 180_000);

afterAll(async () => {
  hub?.stop();
  await kubectl('delete', 'namespace', NS, '--wait=false').catch(() => undefined);
  await world?.dispose();
});

describe('object_watch hub on the real cluster', () => {
  it('fans one upstream watch out to two viewers; reconnects after agentk dies, all agentk restart or the tunnel closes lose and duplicate nothing', async () => {
    const key: WatchKey = { agentId: world.agentId, resource: 'pods', namespace: NS };
    const a = viewer(key);
    const b = viewer(key);
    await viewersMatch([a, b], 1);
    expect(hub.stats()).toEqual({ upstreams: 1, viewers: 2 });
    expect(await upstreamMetric()).toBe(1);

    await scale(3);
    await viewersMatch([a, b], 3);
    expect(await upstreamMetric()).toBe(1);

    // The agentk pod serving the watch dies: the hub reopens it on the other pod from the last version.
    const serving = await until('the watch on a tunnel', () => servingPod());
    const victim = world.agentks.find((p) => p.podName === serving)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    await scale(5);
    await viewersMatch([a, b], 5);
    expect(servingPod()).not.toBe(serving);
    const afterKill = await counter('mooring_kas_object_watch_upstream_restarts_total');
    expect((afterKill.broken ?? 0) + (afterKill.ended ?? 0)).toBeGreaterThanOrEqual(1);

    // Every agentk goes; pods go meanwhile; a new agentk answers with a snapshot the hub reconciles.
    for (const p of world.agentks)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(world.agentks.map((p) => p.exited));
    await scale(2);
    await until('the API server to remove the pods', async () => (await podUids()).length === 2, 90_000);
    await world.startAgentk('owhub-c');
    await viewersMatch([a, b], 2);

    // Another pod's cache cannot resume this one's versions: both reopenings were reconciled snapshots.
    expect(await counter('mooring_kas_object_watch_upstream_syncs_total')).toMatchObject({
      snapshot: 1,
      reconciled: 2,
    });

    // The tunnel closes under the watch but agentk stays: the same pod resumes from the last version.
    for (const tunnel of world.agentServer.registry.allTunnels())
      tunnel.close('the test closes every tunnel');
    await until(
      'the watch to resume',
      async () => (await counter('mooring_kas_object_watch_upstream_syncs_total')).resumed === 1,
      60_000,
    );
    await scale(4);
    await viewersMatch([a, b], 4);

    for (const v of [a, b]) {
      expect(v.contradictions).toEqual([]);
      // One snapshot each; everything after it came as deltas.
      expect(v.events.filter((e) => e.type === 'snapshot' && e.last)).toHaveLength(1);
    }
    expect(await upstreamMetric()).toBe(1);
    a.abort();
    b.abort();
  }, 300_000);
});
