// The agentk chart installed for real: `helm install` and `helm upgrade` into the run's local cluster, the RBAC of
// each preset checked with `kubectl auth can-i --as system:serviceaccount:mooring-system:<sa>` (allowed and denied),
// and — since kwok runs no containers — agentk started with exactly the installed Deployment's container args, env
// and mounts (the mounted Secret and ConfigMap materialised in a 0700 temp dir; the pod's ServiceAccount token as a
// kubeconfig), against a real kas, and seen to connect.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnAgentkProcess, type AgentkProcess } from '@mooring/agentk/testing/agentk-process';
import { defaultModules } from '@mooring/kas';
import { startTestKas, type TestKas } from '@mooring/kas/testing/test-kas';
import { buildHttpWorld, type HttpWorld } from '@mooring/kas/testing/world';
import { renderKubeconfig } from '@mooring/kube-dev';
import { createFreshNamespace, deleteNamespace, kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentkChart, startHelm, type HelmRunner } from '../testing/helm';

const namespace = 'mooring-system';
const release = `mooring-agent-helm-${process.pid}`;
const serviceAccount = `system:serviceaccount:${namespace}:${release}`;
const placeholderToken = `mgt-${'P'.repeat(50)}`;
const baseValues = {
  image: { repository: 'registry.example.com/mooring/agentk' },
  kas: { address: 'grpcs://kas.example.com:8150' },
  token: { value: placeholderToken },
};

let helm: HelmRunner;
let nsA: string;
let nsB: string;
let tk: TestKas | undefined;
let agentk: AgentkProcess | undefined;
const workDirs: string[] = [];
const timings: string[] = [];
const started = Date.now();

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push(`${label} ${Date.now() - t} ms`);
  }
}

const helmKube = (args: string[]) =>
  helm.run(args, { kubeconfig: kubeCluster().kubeconfigPath, timeoutMs: 120_000 });

/** `helm install` (first) or `helm upgrade` with these values; resolves with helm's output. */
async function deploy(verb: 'install' | 'upgrade', values: unknown): Promise<string> {
  const result = await timed(`helm ${verb}`, () =>
    helmKube([
      verb,
      release,
      agentkChart,
      '--namespace',
      namespace,
      '--create-namespace',
      '-f',
      helm.valuesFile(values),
    ]),
  );
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

/** `kubectl auth can-i <verb> <resource> [-n ns] --as <the chart's ServiceAccount>`: true for "yes". */
async function can(verb: string, resource: string, ns?: string): Promise<boolean> {
  const result = await kubectl([
    'auth',
    'can-i',
    verb,
    resource,
    ...(ns ? ['-n', ns] : ['--all-namespaces']),
    '--as',
    serviceAccount,
  ]);
  const answer = result.stdout.trim();
  if (answer !== 'yes' && answer !== 'no')
    throw new Error(`kubectl auth can-i said ${answer}: ${result.stderr}`);
  return answer === 'yes';
}

/**
 * Impersonation asked of the API server as a SubjectAccessReview for the chart's ServiceAccount: `kubectl auth
 * can-i` answers "no" for resources discovery does not list, such as impersonated uids and extras.
 */
async function reviewed(resource: {
  group: string;
  resource: string;
  subresource?: string;
}): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: serviceAccount,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      resourceAttributes: { verb: 'impersonate', ...resource },
    },
  };
  const result = await kubectl(['create', '-f', '-', '-o', 'jsonpath={.status.allowed}'], {
    stdin: JSON.stringify(review),
  });
  if (result.code !== 0) throw new Error(`SubjectAccessReview failed: ${result.stderr}`);
  return result.stdout.trim() === 'true';
}
/** The caller's project, as the proxy sends it: an extra is a subresource of userextras. */
const projectExtra = {
  group: 'authentication.k8s.io',
  resource: 'userextras',
  subresource: 'mooring.dev/project',
};

beforeAll(async () => {
  helm = await startHelm();
  nsA = await createFreshNamespace();
  nsB = await createFreshNamespace();
}, 1_800_000); // a cold helm build takes minutes on 2 shared cores

afterAll(async () => {
  await agentk?.stop(5_000);
  if (helm) await helmKube(['uninstall', release, '--namespace', namespace, '--wait']);
  for (const ns of [nsA, nsB]) if (ns) await deleteNamespace(ns);
  await tk?.dispose();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  helm?.dispose();
  process.stderr.write(
    `agentk-install: ${((Date.now() - started) / 1000).toFixed(1)} s (${timings.join(', ')})\n`,
  );
});

describe('helm install and upgrade of the agentk chart', () => {
  it('read-only (the default): reads what object_watch watches and asks SARs; writes nothing, no Secrets, no impersonation', async () => {
    const notes = await deploy('install', baseValues);
    expect(notes).toContain('RBAC preset read-only');
    for (const resource of ['pods', 'deployments.apps', 'namespaces', 'nodes', 'configmaps', 'jobs.batch'])
      for (const verb of ['get', 'list', 'watch'])
        expect(await can(verb, resource), `${verb} ${resource}`).toBe(true);
    expect(await can('create', 'subjectaccessreviews.authorization.k8s.io')).toBe(true);
    expect(await can('get', 'secrets')).toBe(false);
    expect(await can('create', 'deployments.apps', nsA)).toBe(false);
    expect(await can('delete', 'pods', nsA)).toBe(false);
    expect(await can('impersonate', 'users')).toBe(false);
    const pdb = await kubectl([
      'get',
      'pdb',
      release,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.minAvailable}',
    ]);
    expect(pdb.stdout).toBe('1');
  });

  it('upgrade to namespace-admin with impersonation: everything in the listed namespace only, and impersonate', async () => {
    await deploy('upgrade', {
      ...baseValues,
      rbac: { preset: 'namespace-admin', namespaces: [nsA], impersonation: true },
    });
    expect(await can('create', 'deployments.apps', nsA)).toBe(true);
    expect(await can('delete', 'secrets', nsA)).toBe(true);
    expect(await can('create', 'deployments.apps', nsB)).toBe(false);
    expect(await can('get', 'secrets', nsB)).toBe(false);
    expect(await can('list', 'pods')).toBe(true);
    expect(await can('impersonate', 'users')).toBe(true);
    expect(await can('impersonate', 'groups')).toBe(true);
    // The caller's uid and extras (project, roles, job) too: the extras are subresources of userextras.
    expect(await reviewed({ group: 'authentication.k8s.io', resource: 'uids' })).toBe(true);
    expect(await reviewed(projectExtra)).toBe(true);
  });

  it('upgrade to cluster-admin: writes everywhere, but no escalate, bind or impersonate; the Role is gone', async () => {
    await deploy('upgrade', { ...baseValues, rbac: { preset: 'cluster-admin' } });
    expect(await can('create', 'deployments.apps', nsB)).toBe(true);
    expect(await can('delete', 'secrets', nsB)).toBe(true);
    expect(await can('escalate', 'clusterroles.rbac.authorization.k8s.io')).toBe(false);
    expect(await can('bind', 'clusterroles.rbac.authorization.k8s.io')).toBe(false);
    expect(await can('impersonate', 'users')).toBe(false);
    expect(await reviewed(projectExtra)).toBe(false);
    expect((await kubectl(['get', 'role', release, '-n', nsA])).code).not.toBe(0);
    const history = await helmKube(['history', release, '--namespace', namespace, '-o', 'json']);
    expect((JSON.parse(history.stdout) as unknown[]).length).toBe(3);
  });
});

describe('agentk started as the installed Deployment says', () => {
  let w: HttpWorld;
  let agentkArgs: string[] = [];

  beforeAll(async () => {
    tk = await timed('kas start', () => startTestKas('pglite', { modules: defaultModules() }));
    w = await buildHttpWorld(tk);
  }, 120_000);

  it('connects to a real kas with the token, CA and address of the release (read-only RBAC)', async () => {
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, {
      name: 'helm',
    });
    expect(token.status, token.text).toBe(201);
    const caPem = await readFile(tk!.kas.urls.agentCaFile!, 'utf8');
    await deploy('upgrade', {
      ...baseValues,
      kas: { address: tk!.kas.urls.agent, caCert: caPem },
      token: { value: `${token.body.secret}\n` },
      rbac: { preset: 'read-only' },
    });

    // The installed Deployment, as the API server has it.
    const got = await kubectl(['get', 'deployment', release, '-n', namespace, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    const deployment = JSON.parse(got.stdout) as InstalledDeployment;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    // kwok marks the pods running: agentk plays one of them.
    const podName = await until(
      'a pod of the release',
      async () => {
        const pods = await kubectl([
          'get',
          'pods',
          '-n',
          namespace,
          '-l',
          `app.kubernetes.io/instance=${release}`,
          '-o',
          'name',
        ]);
        return pods.stdout.split('\n').find(Boolean)?.replace('pod/', '');
      },
      60_000,
    );

    // The pod's files: every mounted Secret and ConfigMap, written where the mounts say, under a 0700 root.
    const root = mkdtempSync(path.join(tmpdir(), 'mooring-helm-pod-'));
    workDirs.push(root);
    const volumes = new Map(pod.volumes.map((v) => [v.name, v]));
    for (const mount of container.volumeMounts) {
      const volume = volumes.get(mount.name)!;
      const dir = path.join(root, mount.mountPath);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (volume.emptyDir) continue;
      const kind = volume.secret ? 'secret' : 'configmap';
      const name = volume.secret?.secretName ?? volume.configMap!.name;
      const source = await kubectl(['get', kind, name, '-n', namespace, '-o', 'json']);
      expect(source.code, source.stderr).toBe(0);
      const data = (JSON.parse(source.stdout) as { data: Record<string, string> }).data;
      const items = volume.secret?.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        const value = data[item.key]!;
        writeFileSync(path.join(dir, item.path), volume.secret ? Buffer.from(value, 'base64') : value, {
          mode: 0o600,
        });
      }
    }
    // What the kubelet would give the pod: its ServiceAccount's token (here as a kubeconfig, since agentk is not in
    // a pod), and the downward API's name and namespace.
    const saToken = await kubectl(['create', 'token', release, '-n', namespace, '--duration=1h']);
    expect(saToken.code, saToken.stderr).toBe(0);
    const kubeconfig = path.join(root, 'serviceaccount.kubeconfig');
    writeFileSync(
      kubeconfig,
      renderKubeconfig({
        clusterName: 'helm',
        server: kubeCluster().server,
        caData: kubeCluster().caData,
        userName: release,
        token: saToken.stdout.trim(),
      }),
      { mode: 0o600 },
    );
    const fieldValues: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace };
    const env = Object.fromEntries(
      container.env.map((e) => [e.name, e.value ?? fieldValues[e.valueFrom!.fieldRef!.fieldPath]!]),
    );
    // The container's args, each file path under the pod root; on this shared machine the observability port is a
    // free one (in a pod, 8080 is the pod's own).
    const mountPaths = container.volumeMounts.map((m) => m.mountPath);
    agentkArgs = container.args.map((arg) => {
      const [flag, value] = arg.split(/=(.*)/s) as [string, string];
      if (flag === '--observability-listen-address') return `${flag}=127.0.0.1:0`;
      return mountPaths.some((m) => value?.startsWith(`${m}/`)) ? `${flag}=${path.join(root, value)}` : arg;
    });
    expect(container.args).toEqual([
      `--kas-address=${tk!.kas.urls.agent}`,
      '--token-file=/etc/mooring/token/token',
      '--ca-cert-file=/etc/mooring/ca/ca.crt',
      '--observability-listen-address=:8080',
      '--log-level=info',
    ]);

    agentk = spawnAgentkProcess([...agentkArgs, `--kubeconfig=${kubeconfig}`], env);
    const connected = await timed('agentk connect', () =>
      until(
        () => `agentk (${podName}) to connect; its output:\n${agentk!.output().slice(-3000)}`,
        async () => {
          if (agentk!.child.exitCode !== null) return { exited: agentk!.child.exitCode };
          const rows = await w.admin.get<Array<{ podName: string; kubernetesVersion: string }>>(
            `/api/v1/agents/${w.agentId}/connections`,
          );
          return rows.body.find((row) => row.podName === podName);
        },
        60_000,
      ),
    );
    expect(connected, agentk.output().slice(-3000)).toMatchObject({ podName });
    expect((connected as { kubernetesVersion: string }).kubernetesVersion).toBe(kubeCluster().version);
    const observability = await until(
      'observability url logged',
      () => /observability listening on (http:\/\/\S+?)"/.exec(agentk!.output())?.[1],
    );
    expect((await fetch(`${observability}/readyz`)).status).toBe(200);
    // Its read-only ServiceAccount is enough for object_watch: no RBAC refusal in its log.
    expect(agentk.output()).not.toMatch(/forbidden/i);
    process.stderr.write(`agentk-install: agentk ran with ${JSON.stringify(agentkArgs)}\n`);
    expect(await agentk.stop()).toBe(0);
  });
});

interface InstalledDeployment {
  spec: {
    template: {
      spec: {
        containers: Array<{
          args: string[];
          env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
          volumeMounts: Array<{ name: string; mountPath: string }>;
        }>;
        volumes: Array<{
          name: string;
          secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
          configMap?: { name: string };
          emptyDir?: object;
        }>;
      };
    };
  };
}
