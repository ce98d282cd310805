// kubectl through kas's proxy via a receptive agent (issue 15) works as via an agent that dialed in: apply, a watch
// that sees the change, exec over WebSocket (stdout and stdin), logs -f and port-forward with every byte checked —
// the built kubectl, with the kubectl battery's runners, against the run's local cluster (kwok serves exec, logs and
// port-forward). kas is real (default modules, PGlite); agentk is real and in-process, and never dials out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agentk } from '@mooring/agentk';
import { appendPodLog, forwardPodPort } from '@mooring/kube-dev';
import { createFreshNamespace, deleteNamespace, kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import { kubectlLong, kubectlRun } from '@mooring/modules/kubernetes_api/server/testing/kubectl-runner';
import {
  echoThroughPortForward,
  startEchoServer,
} from '@mooring/modules/kubernetes_api/server/testing/port-forward-echo';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from './modules';
import { receptiveAgents } from './testing/receptive-agents';
import { startTestKas, type TestKas } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

describe('kubectl through the proxy via a receptive agent', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agent: { agentId: number; agentk: Agentk };
  let kubeconfig: { path: string; context: string };
  let ns: string;
  const agents = receptiveAgents(() => w);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-receptive-kubectl-'));
  const cluster = () => kubeCluster();
  const withContext = (args: string[]) => ['--context', kubeconfig.context, ...args];
  const proxied = (args: string[], stdin?: string) =>
    kubectlRun(cluster().kubectlPath, withContext(args), { kubeconfig: kubeconfig.path, stdin });
  const proxiedLong = (args: string[]) =>
    kubectlLong(cluster().kubectlPath, withContext(args), { kubeconfig: kubeconfig.path });
  const ok = (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  const upgrades = async (protocol: string) => {
    const metric = await tk.kas.metrics.getSingleMetric('mooring_kas_k8s_proxy_upgrades_total')?.get();
    return metric?.values.find((v) => v.labels.protocol === protocol)?.value ?? 0;
  };

  beforeAll(async () => {
    [tk, ns] = await Promise.all([
      startTestKas('pglite', { modules: defaultModules() }),
      createFreshNamespace(),
    ]);
    w = await buildHttpWorld(tk);
    agent = await agents.startJwtAgent('kubectl');
    await agent.agentk.registered;
    const dialer = tk.kas.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER)!;
    expect(dialer.states().get(agent.agentId)).toMatchObject({ state: 'connected' });
    kubeconfig = await agents.kubeconfig(w.as.developer, dir, agent.agentId);
    const run = await kubectl(['run', 'p1', '-n', ns, '--image=busybox', '--restart=Never']);
    expect(run.code, run.stderr).toBe(0);
    const ready = await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/p1', '--timeout=60s']);
    expect(ready.code, ready.stderr).toBe(0);
  });

  afterAll(async () => {
    await agents.stop();
    await tk?.dispose();
    if (ns) await deleteNamespace(ns);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('apply creates and changes an object, and a watch through the proxy sees both', async () => {
    const watch = proxiedLong(['get', 'configmaps', '-n', ns, '-w', '--output-watch-events', '-o', 'name']);
    try {
      await until(
        () => `the watch lists the root CA configmap (${watch.stderr()})`,
        () => watch.output().includes('configmap/kube-root-ca.crt'),
      );
      const cm = (value: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${ns}\ndata:\n  key: ${value}\n`;
      expect(ok(await proxied(['apply', '-f', '-'], cm('one')))).toContain('configmap/applied created');
      // One line per event (kubectl's name printer leaves the event type out).
      const events = () =>
        watch
          .output()
          .split('\n')
          .filter((l) => l.endsWith('configmap/applied')).length;
      await until(
        () => `the watch sees it added (${watch.output()})`,
        () => events() === 1,
      );
      expect(ok(await proxied(['apply', '-f', '-'], cm('two')))).toContain('configmap/applied configured');
      await until(
        () => `the watch sees it modified (${watch.output()})`,
        () => events() === 2,
      );
      const direct = await kubectl(['get', 'cm', 'applied', '-n', ns, '-o', 'jsonpath={.data.key}']);
      expect(direct.stdout).toBe('two');
    } finally {
      await watch.stop();
    }
  });

  it('exec over WebSocket: stdout, and stdin to the container', async () => {
    const before = await upgrades('websocket');
    expect(ok(await proxied(['exec', 'p1', '-n', ns, '--', 'echo', 'hi']))).toBe('hi\n');
    expect(
      ok(await proxied(['exec', '-i', 'p1', '-n', ns, '--', 'head', '-c', '11'], 'hello world and more')),
    ).toBe('hello world');
    // kubectl v1.36 speaks WebSocket to exec by default (KUBECTL_REMOTE_COMMAND_WEBSOCKETS).
    expect(await upgrades('websocket')).toBeGreaterThanOrEqual(before + 2);
  });

  it('logs -f streams a line written after it started', async () => {
    await appendPodLog(cluster(), { namespace: ns, pod: 'p1', lines: ['first line'] });
    const follow = proxiedLong(['logs', '-f', 'p1', '-n', ns]);
    try {
      await until('logs -f shows the existing line', () => follow.output().includes('first line'));
      await appendPodLog(cluster(), { namespace: ns, pod: 'p1', lines: ['followed line'] });
      await until('logs -f shows the appended line', () => follow.output().includes('followed line'));
    } finally {
      await follow.stop();
    }
  });

  it('port-forward carries 1 MiB both ways, byte for byte', async () => {
    const echo = await startEchoServer();
    try {
      await forwardPodPort(cluster(), { namespace: ns, pod: 'p1', port: 8080, to: { port: echo.port } });
      const pf = proxiedLong(['port-forward', '-n', ns, 'pod/p1', ':8080']);
      try {
        const { sent, received } = await echoThroughPortForward(pf);
        expect(received).toBe(sent);
      } finally {
        await pf.stop();
      }
    } finally {
      echo.close();
    }
  });
});
