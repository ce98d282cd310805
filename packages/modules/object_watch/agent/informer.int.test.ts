// The informers against the real kube-apiserver of the shared local cluster: list then watch, the row deltas of a
// Deployment created, scaled and deleted, the cap's message, Secrets never cached, and a 403 for an identity that
// may not list, reported without stopping the resource it may list.
import { KubeConfig } from '@kubernetes/client-node';
import {
  compactClusterEtcd,
  kubeCluster,
  kubectl,
  uncachedWatchResource,
  useFreshNamespace,
} from '@mooring/kube-dev/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeApiTargetFromKubeConfig, type KubeApiTarget } from '../../kubernetes_api/agent/index';
import { until } from '../../shared/testing/until';
import { configuredResources, parseResourceName, type ResourceRef } from '../shared/resources';
import type { Delta } from '../shared/watch-api';
import { InformerSet } from './informer-set';
import type { ObjectCache } from './object-cache';

const ns = useFreshNamespace();
const targets: KubeApiTarget[] = [];
const sets: InformerSet[] = [];

const ref = (name: string): ResourceRef => {
  const parsed = parseResourceName(name);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.ref;
};

async function targetFor(kc: KubeConfig): Promise<KubeApiTarget> {
  const target = await kubeApiTargetFromKubeConfig(kc);
  targets.push(target);
  return target;
}

async function agentTarget(): Promise<KubeApiTarget> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeCluster().agentKubeconfigPath);
  return targetFor(kc);
}

async function informers(target: KubeApiTarget, resources: string[], cap = 20_000): Promise<InformerSet> {
  const set = new InformerSet({ target, informer: { recheckMs: 500 } });
  sets.push(set);
  await set.configure(resources.map(ref), cap);
  return set;
}

function deltasOf(cache: ObjectCache): Delta[] {
  const seen: Delta[] = [];
  cache.subscribe((e) => {
    if (e.type === 'changes') for (const c of e.changes) seen.push(c.delta);
  });
  return seen;
}

async function kc(args: string[], stdin?: string): Promise<string> {
  const result = await kubectl(args, { stdin });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const cacheOf = (set: InformerSet, id: string) => {
  const cache = set.cache(id);
  if (!cache) throw new Error(`no cache for ${id}`);
  return cache;
};

afterAll(async () => {
  await Promise.all(sets.map((s) => s.stop()));
  for (const t of targets) t.close();
});

describe('object_watch informers on the real API server', () => {
  it('see a Deployment created, scaled and deleted as added, modified and deleted rows, with its pods', async () => {
    const set = await informers(await agentTarget(), ['apps/v1/deployments', 'pods']);
    const deployments = cacheOf(set, 'apps/v1/deployments');
    const pods = cacheOf(set, 'pods');
    await until('both caches synced', () => deployments.synced && pods.synced);
    expect(deployments.info).toEqual({ kind: 'Deployment', namespaced: true });
    const seen = deltasOf(deployments);
    const podDeltas = deltasOf(pods);

    await kc([
      '-n',
      ns.name,
      'create',
      'deployment',
      'web',
      '--image=registry.example/web:1',
      '--replicas=1',
    ]);
    const added = await until('the deployment row', () =>
      seen.find((d) => d.type === 'added' && d.row.name === 'web' && d.row.namespace === ns.name),
    );
    expect(added.row.labels).toEqual({ app: 'web' });
    expect(added.row.columns).toMatchObject({ desired: 1 });
    expect(JSON.stringify(added.row)).not.toMatch(/managedFields|registry\.example/);

    await kc(['-n', ns.name, 'scale', 'deployment', 'web', '--replicas=3']);
    await until('the scaled row', () =>
      seen.find((d) => d.type === 'modified' && d.row.name === 'web' && d.row.columns['desired'] === 3),
    );
    const inNs = () => [...pods.rows()].filter((r) => r.namespace === ns.name);
    await until('three pods of web', () => inNs().length === 3);
    const pod = inNs()[0]!;
    expect(pod.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    expect(pod.columns).toHaveProperty('ready');
    // Never the same pod added twice.
    const adds = podDeltas
      .filter((d) => d.type === 'added' && d.row.namespace === ns.name)
      .map((d) => d.row.uid);
    expect(new Set(adds).size).toBe(adds.length);

    await kc(['-n', ns.name, 'delete', 'deployment', 'web', '--wait=false']);
    const deleted = await until('the deleted row', () =>
      seen.find((d) => d.type === 'deleted' && d.row.name === 'web' && d.row.namespace === ns.name),
    );
    expect(deleted.row.uid).toBe(added.row.uid);
    expect(deployments.get(added.row.uid)).toBeUndefined();
  });

  it('reports too_many over the cap, without keeping the rows', async () => {
    await kc(['-n', ns.name, 'create', 'configmap', 'a', '--from-literal=x=1']);
    await kc(['-n', ns.name, 'create', 'configmap', 'b', '--from-literal=x=1']);
    const set = await informers(await agentTarget(), ['configmaps'], 2);
    const cache = cacheOf(set, 'configmaps');
    await until('too_many', () => cache.status.state === 'too_many');
    expect(cache.status.message).toMatch(
      /^too many objects \(\d+ > 2\), narrow object_watch: configmaps has more objects than object_watch.max_objects_per_resource allows/,
    );
    expect(cache.size).toBe(0);
  });

  it('keeps ConfigMaps metadata only and never caches a Secret', async () => {
    await kc(['-n', ns.name, 'create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-secret']);
    await kc(['-n', ns.name, 'create', 'configmap', 'settings', '--from-literal=password=hunter2-config']);
    // The config may name secrets: it is dropped with a reason, and the rest is watched.
    const { resources, errors } = configuredResources(['configmaps', 'secrets', 'v1/secrets']);
    expect(errors).toHaveLength(2);
    const set = new InformerSet({ target: await agentTarget() });
    sets.push(set);
    await set.configure(resources, 20_000);
    expect(set.ids()).toEqual(['configmaps']);
    const cache = cacheOf(set, 'configmaps');
    const settings = await until('the configmap row', () =>
      [...cache.rows()].find((r) => r.name === 'settings' && r.namespace === ns.name),
    );
    expect(settings.columns).toEqual({});
    const everything = JSON.stringify([...cache.rows()]);
    expect(everything).not.toMatch(/hunter2/);
    expect([...cache.rows()].some((r) => r.name === 'db' && r.namespace === ns.name)).toBe(false);
  });

  it('reports forbidden for what the identity may not list, and watches what it may', async () => {
    const account = 'object-watch-restricted';
    const role = `object-watch-${ns.name}`;
    await kc(['-n', ns.name, 'create', 'serviceaccount', account]);
    await kc(['create', 'clusterrole', role, '--verb=get,list,watch', '--resource=deployments.apps']);
    await kc([
      'create',
      'clusterrolebinding',
      role,
      `--clusterrole=${role}`,
      `--serviceaccount=${ns.name}:${account}`,
    ]);
    try {
      const token = (await kc(['-n', ns.name, 'create', 'token', account, '--duration=1h'])).trim();
      const cluster = kubeCluster();
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'c', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
        users: [{ name: 'u', token }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const set = await informers(await targetFor(config), ['pods', 'apps/v1/deployments']);
      const pods = cacheOf(set, 'pods');
      await until('pods forbidden', () => pods.status.state === 'forbidden');
      expect(pods.status.message).toBe(
        "agentk cannot list pods; grant list/watch on pods to agentk's service account",
      );
      const deployments = cacheOf(set, 'apps/v1/deployments');
      await until('deployments listed', () => deployments.synced);
      expect(deployments.status.state).toBe('ok');
    } finally {
      await kubectl(['delete', 'clusterrolebinding,clusterrole', role, '--ignore-not-found']);
    }
  });

  it('relists cleanly after a real 410 Gone: the same rows, no delta, no duplicate add', async () => {
    // PodTemplates bypass the API server's watch cache (kube-dev), so a watch from a compacted resourceVersion
    // reaches etcd and is answered 410. Watches end every second, so the informer soon watches again from the
    // list's resourceVersion, which the compaction below has removed.
    const template = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PodTemplate',
        metadata: { name, namespace: ns.name },
        template: { spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] } },
      });
    await kc(['create', '-f', '-'], template('before'));
    const set = new InformerSet({ target: await agentTarget(), informer: { watchTimeoutSeconds: 1 } });
    sets.push(set);
    await set.configure([ref(uncachedWatchResource)], 20_000);
    const cache = cacheOf(set, uncachedWatchResource);
    await until('synced', () => cache.synced);
    const informer = set.informer(uncachedWatchResource)!;
    expect(informer.lists).toBe(1);
    const deltas = deltasOf(cache);
    const states: string[] = [];
    cache.subscribe(() => states.push(cache.status.state));
    const rowsBefore = [...cache.rows()].map((r) => `${r.uid}@${r.resourceVersion}`).sort();
    // Move etcd's revision past the list's (writes to another resource), then compact it away.
    await kc(['-n', ns.name, 'create', 'configmap', 'bump-1']);
    await kc(['-n', ns.name, 'create', 'configmap', 'bump-2']);
    await compactClusterEtcd();
    await until('the relist after 410 Gone', () => informer.lists >= 2, 60_000);
    expect(states.filter((s) => s !== 'ok')).toEqual([]);
    expect(deltas).toEqual([]);
    expect([...cache.rows()].map((r) => `${r.uid}@${r.resourceVersion}`).sort()).toEqual(rowsBefore);
    // And it goes on watching: a new template arrives as one add.
    await kc(['create', '-f', '-'], template('after'));
    await until('the new template', () => deltas.find((d) => d.type === 'added' && d.row.name === 'after'));
    expect(deltas.filter((d) => d.type === 'added').map((d) => d.row.name)).toEqual(['after']);
  });

  it('reports unknown_resource for a CRD that is not installed', async () => {
    const set = await informers(await agentTarget(), ['example.com/v1/widgets']);
    const cache = cacheOf(set, 'example.com/v1/widgets');
    await until('unknown', () => cache.status.state === 'unknown_resource');
    expect(cache.status.message).toMatch(
      /the API server does not know example.com\/v1\/widgets; check the name/,
    );
  });
});
