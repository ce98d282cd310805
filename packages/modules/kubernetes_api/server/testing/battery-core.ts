// The kubectl battery's core checks: what every supported kubectl must do through kas against every supported
// Kubernetes minor (version, discovery, get, watch, apply, logs -f, exec over WebSocket and SPDY, port-forward with
// the bytes checked, cp). The full battery (kubectl-battery.int.test.ts, one cluster, one kubectl) and the version
// matrix (kubectl-matrix.int.test.ts, each pinned minor with kubectl of the same and of the previous minor) run these
// same functions, so the two cannot drift apart. Each compares the answer through kas with the same kubectl run
// straight at the cluster (admin kubeconfig with --as/--as-group of the identity the proxy impersonates).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendPodLog, forwardPodPort, type KubeClusterInfo } from '@mooring/kube-dev';
import { expect } from 'vitest';
import { until } from '../../../shared/testing/until';
import {
  kubectlLong,
  kubectlRun,
  retryingUpstreamSpdyStdinLoss,
  type KubectlProtocol,
  type KubectlRun,
  type LongKubectl,
} from './kubectl-runner';
import { echoThroughPortForward, startEchoServer } from './port-forward-echo';
import { AGENT_SA, AGENT_SA_GROUPS, type ProxyWorld } from './proxy-world';

/** What one run of the core checks talks to, and with which kubectl. */
export interface BatteryTarget {
  cluster: KubeClusterInfo;
  world: ProxyWorld;
  /** A namespace holding a Ready pod `p1` (see preparePodNamespace). */
  namespace: string;
  /** The kubectl under test, for requests through kas and for their direct reference alike. */
  kubectlPath: string;
  /** The version that kubectl must report (`clientVersion.gitVersion`). */
  kubectlVersion: string;
  /** A kubeconfig through kas's proxy. */
  viaProxy: string;
  /** How kubectl talks to the proxy (HTTP/2 or HTTP/1.1). */
  protocol: KubectlProtocol;
  /**
   * Also run the direct reference of checks whose direct answer does not depend on the protocol (upgrades always
   * take HTTP/1.1 connections of their own): true for one protocol per kubectl.
   */
  reference: boolean;
  /** Suffix for names of objects a run creates (unique per kubectl and protocol on the cluster). */
  tag: string;
}

export type Transport = 'websocket' | 'spdy';
export const TRANSPORTS: readonly Transport[] = ['websocket', 'spdy'];
const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
const transportEnv = (transport: Transport): Record<string, string> => (transport === 'spdy' ? SPDY : {});
const impersonation = [`--as=${AGENT_SA}`, ...AGENT_SA_GROUPS.map((g) => `--as-group=${g}`)];

/** Asserts a kubectl run succeeded (exit 0, no error on stderr); returns its stdout. */
export function ok(result: KubectlRun): string {
  expect(result.stderr, `kubectl failed: ${result.stderr}`).not.toMatch(
    /^error|Unauthorized|Error from server/m,
  );
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** mooring_kas_k8s_proxy_upgrades_total{protocol} of the world's proxy. */
export async function upgradeCount(world: ProxyWorld, protocol: string): Promise<number> {
  const metric = await world.metrics.getSingleMetric('mooring_kas_k8s_proxy_upgrades_total')!.get();
  return metric.values.find((v) => v.labels.protocol === protocol)?.value ?? 0;
}

/** The cluster's own kubectl with the admin kubeconfig (setting up, not under test). */
export function adminKubectl(cluster: KubeClusterInfo, args: string[], stdin?: string): Promise<KubectlRun> {
  return kubectlRun(cluster.kubectlPath, args, { kubeconfig: cluster.kubeconfigPath, stdin });
}

/** Creates `namespace` with a Ready busybox pod `p1` (a kwok pod: exec, logs and port-forward do real work). */
export async function preparePodNamespace(cluster: KubeClusterInfo, namespace: string): Promise<void> {
  ok(await adminKubectl(cluster, ['create', 'namespace', namespace]));
  await until(
    `the default service account in ${namespace}`,
    async () => (await adminKubectl(cluster, ['get', 'sa', 'default', '-n', namespace])).code === 0,
  );
  ok(await adminKubectl(cluster, ['run', 'p1', '-n', namespace, '--image=busybox', '--restart=Never']));
  ok(
    await adminKubectl(cluster, [
      'wait',
      '-n',
      namespace,
      '--for=condition=Ready',
      'pod/p1',
      '--timeout=60s',
    ]),
  );
}

/** Runs the target's kubectl: through kas, straight at the cluster, long-running through kas. */
export function kubectlFor(t: BatteryTarget) {
  const proxied = (
    args: string[],
    opts: { env?: Record<string, string>; stdin?: string; kubeconfig?: string } = {},
  ) =>
    kubectlRun(t.kubectlPath, args, {
      kubeconfig: opts.kubeconfig ?? t.viaProxy,
      env: { ...t.protocol.env, ...opts.env },
      stdin: opts.stdin,
    });
  const direct = (
    args: string[],
    opts: { env?: Record<string, string>; stdin?: string; as?: string; groups?: string[] } = {},
  ) => {
    const as = opts.as ?? AGENT_SA;
    const groups = opts.as ? (opts.groups ?? []) : AGENT_SA_GROUPS;
    return kubectlRun(t.kubectlPath, [`--as=${as}`, ...groups.map((g) => `--as-group=${g}`), ...args], {
      kubeconfig: t.cluster.kubeconfigPath,
      env: opts.env,
      stdin: opts.stdin,
    });
  };
  const proxiedLong = (args: string[], opts: { kubeconfig?: string } = {}): LongKubectl =>
    kubectlLong(t.kubectlPath, args, { kubeconfig: opts.kubeconfig ?? t.viaProxy, env: t.protocol.env });
  const directLong = (args: string[]): LongKubectl =>
    kubectlLong(t.kubectlPath, [...impersonation, ...args], { kubeconfig: t.cluster.kubeconfigPath });
  return { proxied, direct, proxiedLong, directLong };
}

/** `kubectl version`: the server the cluster runs and the client under test, through kas as directly. */
export async function checkVersion(t: BatteryTarget): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const viaKas = JSON.parse(ok(await proxied(['version', '-o', 'json'])));
  const straight = JSON.parse(ok(await direct(['version', '-o', 'json'])));
  expect(viaKas.serverVersion.gitVersion).toBe(t.cluster.version);
  expect(viaKas.clientVersion.gitVersion).toBe(t.kubectlVersion);
  expect(viaKas.serverVersion).toEqual(straight.serverVersion);
}

/** Discovery (`kubectl api-resources`: /api, /apis and every group's resource list). */
export async function checkDiscovery(t: BatteryTarget): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const viaKas = ok(await proxied(['api-resources', '-o', 'name']));
  expect(viaKas.split('\n')).toContain('pods');
  expect(viaKas).toBe(ok(await direct(['api-resources', '-o', 'name'])));
}

/** `kubectl get pods -A`. */
export async function checkGet(t: BatteryTarget): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const args = [
    'get',
    'pods',
    '-A',
    '-o',
    'custom-columns=NS:.metadata.namespace,NAME:.metadata.name',
    '--sort-by=.metadata.name',
  ];
  const viaKas = ok(await proxied(args));
  expect(viaKas).toMatch(new RegExp(`^${t.namespace}\\s+p1$`, 'm'));
  expect(viaKas).toBe(ok(await direct(args)));
}

/** `kubectl get -w --output-watch-events`: the same events as a direct watch. */
export async function checkWatch(t: BatteryTarget): Promise<void> {
  const { proxiedLong, directLong } = kubectlFor(t);
  const args = ['get', 'configmaps', '-n', t.namespace, '-w', '--output-watch-events', '-o', 'name'];
  const viaKas = proxiedLong(args);
  const straight = directLong(args);
  try {
    await until(
      'both watches list the root CA configmap',
      () => viaKas.output().includes('kube-root-ca.crt') && straight.output().includes('kube-root-ca.crt'),
    );
    const watched = `watched-${t.tag}`;
    ok(
      await adminKubectl(t.cluster, [
        'create',
        'configmap',
        watched,
        '-n',
        t.namespace,
        '--from-literal=a=1',
      ]),
    );
    await until(
      () => `the proxied watch sees the new configmap (${viaKas.stderr()})`,
      () => viaKas.output().includes(`configmap/${watched}`),
      15_000,
    );
    await until(
      'the direct watch sees the new configmap',
      () => straight.output().includes(`configmap/${watched}`),
      15_000,
    );
  } finally {
    await viaKas.stop();
    await straight.stop();
  }
  expect(viaKas.output().trim().split('\n').sort()).toEqual(straight.output().trim().split('\n').sort());
}

/** Names of the configmaps checkApply leaves behind (the full battery's diff, patch and delete use them). */
export const appliedNames = (t: Pick<BatteryTarget, 'tag'>) => ({
  clientSide: `applied-${t.tag}`,
  serverSide: `ssa-${t.tag}`,
});

/** `kubectl apply` (client-side) and `apply --server-side`, read back directly. */
export async function checkApply(t: BatteryTarget): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const names = appliedNames(t);
  const cm = (name: string, value: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${t.namespace}\ndata:\n  key: ${value}\n`;
  expect(ok(await proxied(['apply', '-f', '-'], { stdin: cm(names.clientSide, 'one') }))).toContain(
    `configmap/${names.clientSide} created`,
  );
  expect(
    ok(
      await proxied(['apply', '--server-side', '--field-manager=battery', '-f', '-'], {
        stdin: cm(names.serverSide, 'two'),
      }),
    ),
  ).toContain(`configmap/${names.serverSide} serverside-applied`);
  expect(
    ok(await direct(['get', 'cm', names.clientSide, '-n', t.namespace, '-o', 'jsonpath={.data.key}'])),
  ).toBe('one');
  const managers = ok(
    await direct([
      'get',
      'cm',
      names.serverSide,
      '-n',
      t.namespace,
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
      '--show-managed-fields',
    ]),
  );
  expect(managers).toContain('battery');
}

/** `kubectl logs` equals the direct answer; `logs -f` shows a line appended while it follows. */
export async function checkLogs(t: BatteryTarget): Promise<void> {
  const { proxied, direct, proxiedLong } = kubectlFor(t);
  const ns = t.namespace;
  await appendPodLog(t.cluster, { namespace: ns, pod: 'p1', lines: ['first line', 'second line'] });
  const viaKas = ok(await proxied(['logs', 'p1', '-n', ns]));
  expect(viaKas).toContain('first line\nsecond line');
  expect(ok(await direct(['logs', 'p1', '-n', ns]))).toBe(viaKas);

  const follow = proxiedLong(['logs', '-f', 'p1', '-n', ns]);
  try {
    await until('logs -f shows the existing lines', () => follow.output().includes('second line'));
    const followed = `followed line ${t.tag}`;
    await appendPodLog(t.cluster, { namespace: ns, pod: 'p1', lines: [followed] });
    await until('logs -f shows the appended line', () => follow.output().includes(followed), 15_000);
  } finally {
    await follow.stop();
  }
}

/** `kubectl exec` over `transport`: a command's output, stdin, and a real TTY (`-it` under script(1)). */
export async function checkExec(t: BatteryTarget, transport: Transport): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const env = transportEnv(transport);
  const ns = t.namespace;
  const before = await upgradeCount(t.world, transport);
  /** Runs the proxied command, and for the reference the direct one beside it; both must answer `expected`. */
  const both = async (
    run: (via: typeof proxied | typeof direct) => Promise<KubectlRun>,
    expected: string,
  ) => {
    const runs = await Promise.all(t.reference ? [run(proxied), run(direct)] : [run(proxied)]);
    for (const r of runs) expect(ok(r)).toBe(expected);
  };
  await both((via) => via(['exec', 'p1', '-n', ns, '--', 'echo', 'hi'], { env }), 'hi\n');
  const stdinArgs = ['exec', '-i', 'p1', '-n', ns, '--', 'head', '-c', '11'];
  const stdinRun = (via: typeof proxied | typeof direct) => () =>
    via(stdinArgs, { env, stdin: 'hello world and more' });
  await both(
    (via) => (transport === 'spdy' ? retryingUpstreamSpdyStdinLoss(stdinRun(via)) : stdinRun(via)()),
    'hello world',
  );
  // A real pseudo-terminal for kubectl via script(1), so -t is honoured.
  const tty = (kubeconfig: string, extra: string) =>
    kubectlRun(
      'script',
      [
        '-qec',
        `${t.kubectlPath} ${extra} exec -it p1 -n ${ns} -- sh -c 'test -t 0 && echo is-a-tty; sleep 1'`,
        '/dev/null',
      ],
      {
        kubeconfig,
        env: { ...(kubeconfig === t.viaProxy ? t.protocol.env : {}), ...env, TERM: 'xterm' },
        keepStdinOpen: true,
      },
    );
  const ttys = await Promise.all([
    tty(t.viaProxy, ''),
    ...(t.reference ? [tty(t.cluster.kubeconfigPath, impersonation.join(' '))] : []),
  ]);
  for (const run of ttys) expect(run.stdout + run.stderr).toContain('is-a-tty');
  expect(await upgradeCount(t.world, transport)).toBeGreaterThanOrEqual(before + 3);
}

/** `kubectl port-forward` over `transport`: 1 MiB of random bytes there and back, checked by hash. */
export async function checkPortForward(t: BatteryTarget, transport: Transport): Promise<void> {
  const env = transportEnv(transport);
  const echo = await startEchoServer();
  await forwardPodPort(t.cluster, { namespace: t.namespace, pod: 'p1', port: 8080, to: { port: echo.port } });
  const before = await upgradeCount(t.world, transport);
  try {
    for (const kubeconfig of t.reference ? [t.viaProxy, t.cluster.kubeconfigPath] : [t.viaProxy]) {
      const viaKas = kubeconfig === t.viaProxy;
      const pf = kubectlLong(
        t.kubectlPath,
        [...(viaKas ? [] : impersonation), 'port-forward', '-n', t.namespace, 'pod/p1', ':8080'],
        { kubeconfig, env: { ...(viaKas ? t.protocol.env : {}), ...env } },
      );
      try {
        const { sent, received } = await echoThroughPortForward(pf);
        expect(received, `bytes through port-forward (${viaKas ? 'via kas' : 'direct'})`).toBe(sent);
      } finally {
        await pf.stop();
      }
    }
    expect(await upgradeCount(t.world, transport)).toBeGreaterThan(before);
  } finally {
    echo.close();
  }
}

/** `kubectl cp` into the pod and back (tar over exec with stdin). */
export async function checkCp(t: BatteryTarget): Promise<void> {
  const { proxied, direct } = kubectlFor(t);
  const local = join(t.world.dir, `cp-source-${t.tag}.txt`);
  const back = join(t.world.dir, `cp-back-${t.tag}.txt`);
  const content = `copied ${randomBytes(8).toString('hex')}\n`;
  writeFileSync(local, content);
  const remote = `${t.cluster.execWorkDir}/cp-${randomBytes(3).toString('hex')}.txt`;
  ok(await proxied(['cp', local, `${t.namespace}/p1:${remote}`]));
  expect(ok(await direct(['exec', 'p1', '-n', t.namespace, '--', 'cat', remote]))).toBe(content);
  ok(await proxied(['cp', `${t.namespace}/p1:${remote}`, back]));
  expect(readFileSync(back, 'utf8')).toBe(content);
}

/** The core checks in the order they run (apply before logs; exec and port-forward once per transport). */
export const coreChecks: readonly { name: string; run: (t: BatteryTarget) => Promise<void> }[] = [
  { name: 'version', run: checkVersion },
  { name: 'discovery', run: checkDiscovery },
  { name: 'get', run: checkGet },
  { name: 'watch', run: checkWatch },
  { name: 'apply', run: checkApply },
  { name: 'logs -f', run: checkLogs },
  ...TRANSPORTS.flatMap((transport) => [
    { name: `exec ${transport}`, run: (t: BatteryTarget) => checkExec(t, transport) },
    { name: `port-forward ${transport}`, run: (t: BatteryTarget) => checkPortForward(t, transport) },
  ]),
  { name: 'cp', run: checkCp },
];
