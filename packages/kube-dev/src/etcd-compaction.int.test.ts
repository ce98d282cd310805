import { KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  compactClusterEtcd,
  kubeCluster,
  kubectl,
  uncachedWatchResource,
  useFreshNamespace,
} from './testing';

const cluster = kubeCluster();
const namespace = useFreshNamespace();

interface WatchOutcome {
  type: string;
  status?: { code?: number; reason?: string; message?: string };
}

/** The first event of a watch from `resourceVersion` (or the error that ended it); the watch is then aborted. */
async function firstWatchOutcome(path: string, resourceVersion: string): Promise<WatchOutcome> {
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfigPath);
  let abort: (() => void) | undefined;
  const outcome = await new Promise<WatchOutcome>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no watch event within 60 s from ${resourceVersion}`)),
      60_000,
    );
    const settle = (value: WatchOutcome) => {
      clearTimeout(timer);
      resolve(value);
    };
    new Watch(config)
      .watch(
        path,
        { resourceVersion },
        (type: string, object: WatchOutcome['status']) => settle({ type, status: object }),
        (error: unknown) => {
          if (error) settle({ type: 'CLOSED', status: { message: String(error) } });
        },
      )
      .then((request) => (abort = () => request.abort()))
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      });
  });
  abort?.();
  return outcome;
}

/** The list's own resourceVersion (kubectl get drops it from an empty list). */
async function listVersion(path: string): Promise<string> {
  const listed = await kubectl(['get', '--raw', path]);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}

function podTemplate(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'PodTemplate',
    metadata: { name },
    template: { spec: { containers: [{ name: 'c', image: 'registry.invalid/c:1' }] } },
  });
}

describe('compactClusterEtcd', () => {
  const path = () => `/api/v1/namespaces/${namespace.name}/${uncachedWatchResource}`;
  const ns = () => ['-n', namespace.name];

  it('makes a watch from a resourceVersion older than the compaction answer 410 Gone, and a relist resumes', async () => {
    const oldVersion = await listVersion(path());
    expect(oldVersion).toMatch(/^\d+$/);
    expect((await kubectl(['create', '-f', '-', ...ns()], { stdin: podTemplate('compacted') })).code).toBe(0);
    for (const step of ['1', '2', '3']) {
      const labelled = await kubectl([
        'label',
        'podtemplate',
        'compacted',
        `step=${step}`,
        '--overwrite',
        ...ns(),
      ]);
      expect(labelled.code, labelled.stderr).toBe(0);
    }

    const compaction = await compactClusterEtcd();
    expect(compaction.revision).toBeGreaterThan(Number(oldVersion));

    const expired = await firstWatchOutcome(path(), oldVersion);
    expect(expired.type).toBe('ERROR');
    expect(expired.status?.code).toBe(410);
    expect(expired.status?.reason).toBe('Expired');
    expect(expired.status?.message).toMatch(/too old/);

    // What a client does next: list again and watch from the new list's resourceVersion.
    const relisted = await listVersion(path());
    const changed = await kubectl(['label', 'podtemplate', 'compacted', 'step=4', '--overwrite', ...ns()]);
    expect(changed.code, changed.stderr).toBe(0);
    const resumed = await firstWatchOutcome(path(), relisted);
    expect(resumed.type).toBe('MODIFIED');
  });

  it('leaves the cluster working: pods are still created and listed', async () => {
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'after-compaction' },
      spec: { nodeName: cluster.nodeNames[0], containers: [{ name: 'c', image: 'registry.invalid/c:1' }] },
    });
    expect((await kubectl(['create', '-f', '-', ...ns()], { stdin: pod })).code).toBe(0);
    const listed = await kubectl(['get', 'pods', ...ns(), '-o', 'name']);
    expect(listed.stdout.trim()).toBe('pod/after-compaction');
  });

  it('can run again right away (nothing written since the last compaction is not an error)', async () => {
    const first = await compactClusterEtcd();
    const second = await compactClusterEtcd();
    expect(second.revision).toBeGreaterThanOrEqual(first.revision);
  });
});
