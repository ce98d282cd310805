import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeClusterInfo } from './cluster-info';
import { criLogLine } from './cri-log';
import { kubectlOrThrow, runKubectl } from './kubectl';
import { defaultExecIdentity, localExecEnvs } from './kwok';
import { httpGet } from './net';

/**
 * Pods on kwok nodes have no containers, so their logs, attach and port-forward targets are
 * configured per pod with kwok's namespaced Logs/Attach/PortForward resources, which these
 * helpers create (as the admin). Exec needs nothing per pod: a cluster-wide ClusterExec runs
 * every `kubectl exec` as a local command (as `nobody` when the harness runs as root) in
 * `cluster.execWorkDir`.
 */
type ClusterForPods = Pick<
  KubeClusterInfo,
  'kubectlPath' | 'kubeconfigPath' | 'podLogDir' | 'server' | 'caData' | 'adminToken'
>;

export interface PodRef {
  namespace: string;
  pod: string;
  /** Default: the pod's first container. */
  container?: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkRef(ref: PodRef): void {
  for (const [field, value] of Object.entries({
    namespace: ref.namespace,
    pod: ref.pod,
    container: ref.container,
  })) {
    if (value !== undefined && !dnsLabel.test(value)) {
      throw new Error(
        `kube-dev pod-io: ${field} must be a Kubernetes object name, got ${JSON.stringify(value)}`,
      );
    }
  }
}

/** `<podLogDir>/<namespace>/<pod>/<container>.log` */
export function podLogPath(cluster: Pick<KubeClusterInfo, 'podLogDir'>, ref: Required<PodRef>): string {
  checkRef(ref);
  return join(cluster.podLogDir, ref.namespace, ref.pod, `${ref.container}.log`);
}

interface PodJson {
  metadata: { uid: string };
  spec: { containers: { name: string }[] };
}

const registered = new Set<string>();

/** Reads the pod straight from the API (cheaper than spawning kubectl for every appended line). */
async function podContainers(
  cluster: ClusterForPods,
  ref: PodRef,
): Promise<{ uid: string; containers: string[] }> {
  const url = `${cluster.server}/api/v1/namespaces/${ref.namespace}/pods/${ref.pod}`;
  const response = await httpGet(url, { ca: caPem(cluster), token: cluster.adminToken });
  if (response.status !== 200) {
    throw new Error(
      `kube-dev pod-io: cannot read pod ${ref.namespace}/${ref.pod} (HTTP ${response.status}): ${response.body.slice(0, 300)}`,
    );
  }
  const pod = JSON.parse(response.body) as PodJson;
  return { uid: pod.metadata.uid, containers: pod.spec.containers.map((container) => container.name) };
}

function caPem(cluster: Pick<KubeClusterInfo, 'caData'>): string {
  return Buffer.from(cluster.caData, 'base64').toString('utf8');
}

export interface AppendPodLogOptions extends PodRef {
  lines: string | string[];
  stream?: 'stdout' | 'stderr';
}

/**
 * Appends lines to the pod's container log file (CRI format), so `kubectl logs`, `logs -f` and
 * `attach` show them. The first call for a pod creates its Logs and Attach rules (one file per
 * container) and waits until kwok serves them. Returns the log file's path.
 */
export async function appendPodLog(cluster: ClusterForPods, options: AppendPodLogOptions): Promise<string> {
  checkRef(options);
  const { uid, containers } = await podContainers(cluster, options);
  const container = options.container ?? containers[0];
  if (!container || !containers.includes(container)) {
    throw new Error(
      `kube-dev appendPodLog: pod ${options.namespace}/${options.pod} has no container "${options.container}"; it has ${containers.join(', ')}`,
    );
  }
  const lines = typeof options.lines === 'string' ? [options.lines] : options.lines;
  const text = lines.map((line) => criLogLine(line, options.stream ?? 'stdout')).join('');
  const path = podLogPath(cluster, { ...options, container });
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, text);

  const key = `${cluster.podLogDir}|${options.namespace}/${options.pod}|${uid}`;
  if (!registered.has(key)) {
    await registerPodLogs(cluster, options, containers);
    registered.add(key);
  }
  return path;
}

async function registerPodLogs(cluster: ClusterForPods, ref: PodRef, containers: string[]): Promise<void> {
  const files = containers.map((container) => ({
    container,
    path: podLogPath(cluster, { namespace: ref.namespace, pod: ref.pod, container }),
  }));
  for (const file of files) await writeFile(file.path, '', { flag: 'a' });
  const metadata = { name: ref.pod, namespace: ref.namespace };
  const manifest = [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata,
      spec: {
        logs: files.map((file) => ({ containers: [file.container], logsFile: file.path, follow: true })),
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Attach',
      metadata,
      spec: { attaches: files.map((file) => ({ containers: [file.container], logsFile: file.path })) },
    },
  ]
    .map((doc) => stringify(doc))
    .join('---\n');
  await kubectlOrThrow(cluster.kubectlPath, ['apply', '-f', '-'], {
    kubeconfig: cluster.kubeconfigPath,
    stdin: manifest,
  });
  await waitForKwokToServeLogs(cluster, ref, files[0]!.container);
}

/** kwok learns of new rules through a watch; until then it answers with the cluster-wide default log. */
async function waitForKwokToServeLogs(
  cluster: ClusterForPods,
  ref: PodRef,
  container: string,
): Promise<void> {
  const url =
    `${cluster.server}/api/v1/namespaces/${ref.namespace}/pods/${ref.pod}/log` +
    `?container=${encodeURIComponent(container)}&limitBytes=4096`;
  const ca = caPem(cluster);
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const response = await httpGet(url, { ca, token: cluster.adminToken }).catch((error: Error) => ({
      status: 0,
      body: error.message,
    }));
    if (response.status === 200 && !response.body.includes('has no log file of its own')) return;
    last = `${response.status} ${response.body.slice(0, 200)}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `kube-dev appendPodLog: kwok did not start serving the log file of ${ref.namespace}/${ref.pod} within 30 s ` +
      `(last answer: ${last}); is the pod scheduled and Running?`,
  );
}

export type PortForwardTarget = { address?: string; port: number } | { command: string[] };

export interface ForwardPodPortOptions {
  namespace: string;
  pod: string;
  /** The pod port clients name in `kubectl port-forward pod/x local:<port>`. */
  port: number;
  /** A local TCP server (address defaults to 127.0.0.1), or a command wired to the stream's stdin/stdout. */
  to: PortForwardTarget;
}

interface PortForwardJson {
  spec?: { forwards?: { ports?: number[]; target?: unknown; command?: string[] }[] };
}

/**
 * Makes `kubectl port-forward` to `pod:port` reach a real local server, by writing the pod's
 * kwok PortForward rule (other ports of the same pod keep their targets).
 */
export async function forwardPodPort(cluster: ClusterForPods, options: ForwardPodPortOptions): Promise<void> {
  checkRef(options);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new Error(`kube-dev forwardPodPort: port must be 1-65535, got ${options.port}`);
  }
  const existing = await runKubectl(
    cluster.kubectlPath,
    [
      'get',
      'portforwards.kwok.x-k8s.io',
      options.pod,
      '-n',
      options.namespace,
      '-o',
      'json',
      '--ignore-not-found',
    ],
    { kubeconfig: cluster.kubeconfigPath },
  );
  const current =
    existing.code === 0 && existing.stdout.trim() ? (JSON.parse(existing.stdout) as PortForwardJson) : {};
  const others = (current.spec?.forwards ?? []).filter((forward) => !forward.ports?.includes(options.port));
  const forward =
    'command' in options.to
      ? { ports: [options.port], command: options.to.command }
      : {
          ports: [options.port],
          target: { address: options.to.address ?? '127.0.0.1', port: options.to.port },
        };
  const manifest = stringify({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'PortForward',
    metadata: { name: options.pod, namespace: options.namespace },
    spec: { forwards: [...others, forward] },
  });
  await kubectlOrThrow(cluster.kubectlPath, ['apply', '-f', '-'], {
    kubeconfig: cluster.kubeconfigPath,
    stdin: manifest,
  });
  // kwok sees the rule through its watch, normally within milliseconds; there is no API to ask it.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

export interface SetPodExecOptions {
  namespace: string;
  pod: string;
  /** Where the command runs; a directory that does not exist makes every command fail to start. */
  workDir: string;
  /** Default: the ClusterExec's (HOME, PATH). */
  envs?: { name: string; value: string }[];
}

/**
 * Gives one pod its own kwok Exec rule instead of the cluster-wide ClusterExec (kwok.ts), e.g. to make exec into it
 * fail. kwok resolves the command on its own PATH (Go's exec.Command), not on the rule's: a PATH in `envs` reaches
 * the command's environment but cannot hide a program from kwok. The rule keeps the ClusterExec's user.
 */
export async function setPodExec(
  cluster: ClusterForPods & Pick<KubeClusterInfo, 'execWorkDir'>,
  options: SetPodExecOptions,
): Promise<void> {
  checkRef(options);
  const execAs = defaultExecIdentity();
  const manifest = stringify({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Exec',
    metadata: { name: options.pod, namespace: options.namespace },
    spec: {
      execs: [
        {
          local: {
            workDir: options.workDir,
            envs: options.envs ?? localExecEnvs(cluster.execWorkDir),
            ...(execAs ? { securityContext: { runAsUser: execAs.uid, runAsGroup: execAs.gid } } : {}),
          },
        },
      ],
    },
  });
  await kubectlOrThrow(cluster.kubectlPath, ['apply', '-f', '-'], {
    kubeconfig: cluster.kubeconfigPath,
    stdin: manifest,
  });
}
