import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentIdentityYaml, agentNamespace, agentServiceAccount, agentTokenSecret } from './agent-identity';
import { apiserverArgs, apiserverReadyUrl } from './apiserver';
import { ensureKubeBinaries, type KubeBinaries } from './build';
import { kwokCrdFiles, kwokCrdName } from './build-plan';
import { criLogLine } from './cri-log';
import { registerForCleanup } from './cleanup';
import type { KubeCluster } from './cluster-info';
import { controllerManagerArgs, controllerManagerHealthUrl } from './controller-manager';
import { etcdArgs, etcdHealthUrl } from './etcd';
import { kubectlOrThrow } from './kubectl';
import { writeKubeconfig } from './kubeconfig';
import {
  defaultExecIdentity,
  kwokArgs,
  kwokConfigYaml,
  kwokHealthUrl,
  kwokNodeName,
  kwokNodesYaml,
} from './kwok';
import { clusterLayout, type ClusterLayout, type ClusterPorts } from './layout';
import { freePorts, httpGet } from './net';
import { recordOwner, reapOrphanedClusters, tempClusterPrefix } from './orphans';
import { createClusterPki, type ClusterPki } from './pki';
import { startProcess, stopProcessGroups, type SupervisedProcess } from './processes';
import { waitUntil } from './readiness';
import { schedulerArgs, schedulerHealthUrl } from './scheduler';
import { pinnedKubeVersion } from './versions';

export type { KubeCluster, KubeClusterInfo } from './cluster-info';

export interface StartClusterOptions {
  /** Fake kwok nodes (default 2). */
  nodes?: number;
  /** Cluster name, used in kubeconfigs (default kube-dev-<random>). */
  name?: string;
  /** Where everything lives; default a fresh temp dir. Must be empty or absent. */
  dataDir?: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
  /** Keep the processes running after this Node process exits (`pnpm kube:up`). */
  outliveParent?: boolean;
  /** Remove dataDir on stop() (default true for a temp dir, false for a given dataDir). */
  removeDataDirOnStop?: boolean;
  /** A pinned minor (`1.37`, `v1.37.2`; see versions.json), built on first use. Default: versions.json's default. */
  version?: string;
  /** Already-ensured binaries (then `version` must be absent or theirs). */
  binaries?: KubeBinaries;
}

const startTimeoutMs = 90_000;

/** The static token file: one line per identity (`token,user,uid,"groups"`). */
export function tokenFileCsv(
  tokens: Record<'admin' | 'controllerManager' | 'scheduler' | 'kwok', string>,
): string {
  return (
    [
      `${tokens.admin},admin,kube-dev-admin,"system:masters"`,
      `${tokens.controllerManager},system:kube-controller-manager,kube-dev-controller-manager`,
      `${tokens.scheduler},system:kube-scheduler,kube-dev-scheduler`,
      // kwok updates node and pod status for many fake nodes, so it needs more than the Node authorizer allows one kubelet.
      `${tokens.kwok},kwok-controller,kube-dev-kwok,"system:masters"`,
    ].join('\n') + '\n'
  );
}

function newToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * Starts a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
 * plus kwok with `nodes` fake Ready nodes, on free loopback ports, and resolves once the API is
 * ready, nodes are Ready, the default ServiceAccount exists and the agent token is issued.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<KubeCluster> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const nodes = options.nodes ?? 2;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50) {
    throw new Error(`startCluster: nodes must be an integer from 1 to 50, got ${nodes}`);
  }
  const name = options.name ?? `kube-dev-${randomBytes(3).toString('hex')}`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new Error(`startCluster: name must be lowercase letters, digits and dashes, got "${name}"`);
  }
  if (
    options.binaries &&
    options.version &&
    pinnedKubeVersion(options.version).kubernetes !== options.binaries.version
  )
    throw new Error(
      `startCluster: version ${options.version} does not match the given binaries (${options.binaries.version}); pass one of them`,
    );
  const binaries =
    options.binaries ?? (await ensureKubeBinaries({ version: options.version, log: options.log }));
  for (const dir of await reapOrphanedClusters()) log(`kube-dev: stopped an orphaned cluster left in ${dir}`);
  const removable = options.removeDataDirOnStop ?? options.dataDir === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, name, nodes, binaries, started);
    } catch (error) {
      // Free ports are picked before the components bind them; another process can take one meanwhile.
      if (attempt >= 3 || !removable || !/address already in use/i.test((error as Error).message))
        throw error;
      log(`kube-dev: ${name}: a port was taken by someone else during startup; retrying with new ports`);
    }
  }
}

async function startOnce(
  options: StartClusterOptions,
  name: string,
  nodes: number,
  binaries: KubeBinaries,
  started: number,
): Promise<KubeCluster> {
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `${tempClusterPrefix}${name}-`)));
  const removeDataDir = options.removeDataDirOnStop ?? options.dataDir === undefined;
  const layout = clusterLayout(dataDir);
  const processes: SupervisedProcess[] = [];
  const pgids: number[] = [];
  const unregister = options.outliveParent
    ? () => {}
    : registerForCleanup(pgids, removeDataDir ? [dataDir] : []);

  const stop = async (): Promise<void> => {
    // Data is disposable: a short grace period, then SIGKILL (the apiserver drains watches for long).
    await stopProcessGroups([...pgids].reverse(), 1_500);
    unregister();
    if (removeDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await prepareDirs(layout);
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await freePorts(6);
    const ports: ClusterPorts = {
      etcdClient: etcdClient!,
      etcdPeer: etcdPeer!,
      apiserver: apiserver!,
      controllerManager: controllerManager!,
      scheduler: scheduler!,
      kwok: kwok!,
    };
    const pki = await createClusterPki(layout.pkiDir, name);
    const tokens = {
      admin: newToken(),
      controllerManager: newToken(),
      scheduler: newToken(),
      kwok: newToken(),
    };
    await writeFile(layout.tokenFile, tokenFileCsv(tokens), { mode: 0o600 });
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const caData = Buffer.from(pki.caPem).toString('base64');
    const kubeconfig = (userName: string, token: string, path: string) =>
      writeKubeconfig(path, { clusterName: name, server, caData, userName, token });
    await Promise.all([
      kubeconfig('admin', tokens.admin, layout.kubeconfigs.admin),
      kubeconfig(
        'system:kube-controller-manager',
        tokens.controllerManager,
        layout.kubeconfigs.controllerManager,
      ),
      kubeconfig('system:kube-scheduler', tokens.scheduler, layout.kubeconfigs.scheduler),
      kubeconfig('kwok-controller', tokens.kwok, layout.kubeconfigs.kwok),
    ]);
    log(`kube-dev: ${name}: PKI and kubeconfigs ready in ${dataDir}`);

    const launch = (component: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => {
      const process = startProcess({
        component,
        command,
        args,
        env,
        logPath: join(layout.componentLogDir, `${component}.log`),
        outliveParent: options.outliveParent,
      });
      processes.push(process);
      pgids.push(process.pid);
      if (!options.outliveParent) recordOwner(dataDir, pgids);
      return process;
    };
    const waitFor = <T>(what: string, component: SupervisedProcess, check: () => Promise<T | undefined>) =>
      waitUntil({ what, component, processes, timeoutMs: startTimeoutMs }, check);
    const healthy = (url: string, token?: string) => async () => {
      const response = await httpGet(url, { ca: pki.caPem, token });
      if (response.status !== 200)
        throw new Error(`${url} answered ${response.status}: ${response.body.slice(0, 300)}`);
      return true;
    };

    const etcd = launch('etcd', binaries.etcd, etcdArgs(layout, ports));
    await waitFor('etcd /health', etcd, healthy(etcdHealthUrl(ports)));
    const apiserverProcess = launch(
      'kube-apiserver',
      binaries['kube-apiserver'],
      apiserverArgs(layout, ports, pki),
    );
    await waitFor(
      'kube-apiserver /readyz',
      apiserverProcess,
      healthy(apiserverReadyUrl(ports), tokens.admin),
    );
    log(`kube-dev: ${name}: kube-apiserver ready at ${server} (${seconds(started)} s)`);

    const kubectl = (args: string[], stdin?: string) =>
      kubectlOrThrow(binaries.kubectl, args, { kubeconfig: layout.kubeconfigs.admin, stdin });
    const controllerManagerProcess = launch(
      'kube-controller-manager',
      binaries['kube-controller-manager'],
      controllerManagerArgs(layout, ports, pki),
    );
    const schedulerProcess = launch(
      'kube-scheduler',
      binaries['kube-scheduler'],
      schedulerArgs(layout, ports, pki),
    );
    // kwok's per-pod rule CRDs must exist before kwok starts watching them.
    await kubectl(['apply', ...kwokCrdFiles.flatMap((file) => ['-f', join(binaries.kwokCrdDir, file)])]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...kwokCrdFiles.map((file) => `crd/${kwokCrdName(file)}`),
    ]);
    const kwokProcess = launch('kwok', binaries.kwok, kwokArgs(layout, ports, pki), minimalEnv());
    await kubectl(['apply', '-f', '-'], kwokNodesYaml(nodes) + '---\n' + agentIdentityYaml());

    await Promise.all([
      waitFor(
        'kube-controller-manager /healthz',
        controllerManagerProcess,
        healthy(controllerManagerHealthUrl(ports)),
      ),
      waitFor('kube-scheduler /healthz', schedulerProcess, healthy(schedulerHealthUrl(ports))),
      waitFor('kwok /healthz', kwokProcess, healthy(kwokHealthUrl(ports))),
    ]);
    const nodeNames = Array.from({ length: nodes }, (_, index) => kwokNodeName(index));
    await waitFor(`${nodes} kwok nodes Ready`, kwokProcess, async () => {
      const list = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as NodeList;
      const ready = list.items.filter((node) =>
        node.status?.conditions?.some(
          (condition) => condition.type === 'Ready' && condition.status === 'True',
        ),
      );
      if (ready.length < nodes) throw new Error(`${ready.length} of ${nodes} nodes Ready`);
      return true;
    });
    await waitFor(
      'ServiceAccount default/default (made by kube-controller-manager)',
      controllerManagerProcess,
      () => kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']).then(() => true),
    );
    const agentToken = await waitFor(
      `token of ${agentNamespace}/${agentServiceAccount} (secret ${agentTokenSecret})`,
      controllerManagerProcess,
      async () => {
        const encoded = await kubectl([
          'get',
          'secret',
          agentTokenSecret,
          '-n',
          agentNamespace,
          '-o',
          'jsonpath={.data.token}',
        ]);
        return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
      },
    );
    await writeKubeconfig(layout.kubeconfigs.agent, {
      clusterName: name,
      server,
      caData,
      userName: `${agentNamespace}:${agentServiceAccount}`,
      token: agentToken,
      namespace: agentNamespace,
    });
    log(`kube-dev: ${name}: cluster ready with ${nodes} nodes in ${seconds(started)} s`);

    return {
      name,
      kubeconfigPath: layout.kubeconfigs.admin,
      server,
      caData,
      adminToken: tokens.admin,
      agentKubeconfigPath: layout.kubeconfigs.agent,
      agentToken,
      agentNamespace,
      agentServiceAccount,
      kubectlPath: binaries.kubectl,
      version: binaries.version,
      dataDir,
      podLogDir: layout.podLogDir,
      execWorkDir: layout.execWorkDir,
      nodeNames,
      ports,
      pids: Object.fromEntries(processes.map((process) => [process.component, process.pid])),
      componentLogs: Object.fromEntries(processes.map((process) => [process.component, process.logPath])),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface NodeList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

async function prepareDirs(layout: ClusterLayout): Promise<void> {
  await mkdir(layout.dataDir, { recursive: true });
  // Traversable by everyone: exec commands run as `nobody` and must reach execWorkDir.
  await chmod(layout.dataDir, 0o755);
  for (const dir of [layout.etcdDataDir, layout.apiserverCertDir, layout.componentLogDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await mkdir(join(layout.kubeconfigs.admin, '..'), { recursive: true, mode: 0o700 });
  await mkdir(layout.podLogDir, { recursive: true, mode: 0o755 });
  await mkdir(layout.execWorkDir, { recursive: true });
  await chmod(layout.execWorkDir, 0o1777);
  await writeFile(
    layout.defaultPodLogFile,
    criLogLine(
      'kube-dev: this pod has no log file of its own yet; appendPodLog() creates one',
      'stdout',
      new Date(0),
    ),
  );
  await writeFile(layout.kwokConfigFile, kwokConfigYamlFor(layout));
}

function kwokConfigYamlFor(layout: ClusterLayout): string {
  return kwokConfigYaml(layout, defaultExecIdentity());
}

/** kwok passes its own environment on to exec'd commands: keep secrets of this process out of it. */
function minimalEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: 'C.UTF-8',
  };
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

export type { ClusterPki };
