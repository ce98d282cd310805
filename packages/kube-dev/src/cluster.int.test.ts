import { KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually, kubeCluster, kubectl, useFreshNamespace } from './testing';

const cluster = kubeCluster();
const namespace = useFreshNamespace();

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
}

describe('the local cluster is a real Kubernetes control plane', () => {
  it('reports the pinned server version', async () => {
    const result = await kubectl(['version', '-o', 'json']);
    expect(result.code).toBe(0);
    const version = JSON.parse(result.stdout) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe('v1.36.3');
    expect(cluster.version).toBe('v1.36.3');
  });

  it('schedules a 3-replica Deployment onto kwok nodes and its pods go Running', async () => {
    const created = await kubectl([
      'create', 'deployment', 'web', '--image=registry.invalid/web:1', '--replicas=3', '-n', namespace.name,
    ]); // prettier-ignore
    expect(created.code, created.stderr).toBe(0);
    const pods = await eventually(async () => {
      const list = JSON.parse(
        (await kubectl(['get', 'pods', '-n', namespace.name, '-l', 'app=web', '-o', 'json'])).stdout,
      ) as PodList;
      const running = list.items.filter((pod) => pod.status.phase === 'Running');
      if (running.length !== 3) throw new Error(`${running.length} of 3 pods Running`);
      return running;
    }, 60_000);
    for (const pod of pods) expect(cluster.nodeNames).toContain(pod.spec.nodeName);
  });

  it('delivers ADDED, MODIFIED and DELETED through a watch', async () => {
    const config = new KubeConfig();
    config.loadFromFile(cluster.kubeconfigPath);
    const events: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      void new Watch(config)
        .watch(
          `/api/v1/namespaces/${namespace.name}/configmaps`,
          { fieldSelector: 'metadata.name=watched' },
          (type: string) => {
            events.push(type);
            if (type === 'DELETED') resolve();
          },
          (error: unknown) => (error ? reject(error as Error) : undefined),
        )
        .then((request) => setTimeout(() => request.abort(), 30_000));
    });
    // Give the watch a moment to be established before the first change.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ns = ['-n', namespace.name];
    expect((await kubectl(['create', 'configmap', 'watched', '--from-literal=a=1', ...ns])).code).toBe(0);
    expect((await kubectl(['patch', 'configmap', 'watched', '-p', '{"data":{"a":"2"}}', ...ns])).code).toBe(
      0,
    );
    expect((await kubectl(['delete', 'configmap', 'watched', ...ns])).code).toBe(0);
    await done;
    expect(events).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });
});

describe('the mooring-agent ServiceAccount', () => {
  const asAgent = (args: string[]) => kubectl(args, { kubeconfig: cluster.agentKubeconfigPath });

  it('is the identity in the agent kubeconfig', async () => {
    const result = await asAgent(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(result.stdout).toBe('system:serviceaccount:mooring-system:mooring-agent');
  });

  it.each([
    ['create', 'deployments', '-n', 'default'],
    ['delete', 'pods', '--all-namespaces'],
    ['create', 'pods/exec', '-n', 'default'],
    ['impersonate', 'users'],
    ['impersonate', 'groups'],
    ['impersonate', 'serviceaccounts', '-n', 'default'],
  ])('may %s %s', async (...args) => {
    const result = await asAgent(['auth', 'can-i', ...args]);
    expect(result.stdout.trim()).toBe('yes');
    expect(result.code).toBe(0);
  });

  it.each([
    ['escalate', 'clusterroles'],
    ['bind', 'clusterroles'],
    ['approve', 'signers.certificates.k8s.io'],
  ])('may not %s %s', async (...args) => {
    const result = await asAgent(['auth', 'can-i', ...args]);
    expect(result.stdout.trim()).toBe('no');
    expect(result.code).toBe(1);
  });

  it('is refused when it tries to grant itself cluster-admin', async () => {
    const result = await asAgent([
      'create', 'clusterrolebinding', `agent-escalation-${namespace.name}`, '--clusterrole=cluster-admin',
      '--serviceaccount=mooring-system:mooring-agent',
    ]); // prettier-ignore
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/forbidden/i);
  });
});
