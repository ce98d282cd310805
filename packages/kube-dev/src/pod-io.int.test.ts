import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendPodLog, forwardPodPort } from './pod-io';
import { eventually, kubeCluster, kubectl, useFreshNamespace } from './testing';

const cluster = kubeCluster();
const namespace = useFreshNamespace();
const pod = 'worker';
const children: ChildProcess[] = [];

/** A long-running kubectl (logs -f, attach, port-forward) whose output we can wait on. */
function startKubectl(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(cluster.kubectlPath, args, {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitForOutput(proc: { output: () => string }, pattern: RegExp): Promise<RegExpMatchArray> {
  return eventually(async () => {
    const match = proc.output().match(pattern);
    if (!match) throw new Error(`waiting for ${pattern} in kubectl output: ${JSON.stringify(proc.output())}`);
    return match;
  }, 20_000);
}

beforeAll(async () => {
  const run = await kubectl(['run', pod, '--image=registry.invalid/worker:1', '-n', namespace.name]);
  expect(run.code, run.stderr).toBe(0);
  await kubectl(['wait', '--for=condition=Ready', `pod/${pod}`, '-n', namespace.name, '--timeout=60s']);
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('pods on kwok nodes do real work', () => {
  it('kubectl exec runs a real local command', async () => {
    const result = await kubectl(['exec', pod, '-n', namespace.name, '--', 'echo', 'hi']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hi\n');
  });

  it('exec runs unprivileged in the cluster exec directory, with tar available for kubectl cp', async () => {
    const result = await kubectl([
      'exec',
      pod,
      '-n',
      namespace.name,
      '--',
      'sh',
      '-c',
      'id -u; pwd; command -v tar',
    ]);
    const [uid, cwd, tar] = result.stdout.trim().split('\n');
    expect(uid).toBe(process.getuid?.() === 0 ? '65534' : String(process.getuid?.()));
    expect(cwd).toBe(cluster.execWorkDir);
    expect(tar).toMatch(/tar$/);
  });

  it('kubectl cp copies a file into the pod and back', async () => {
    const source = join(tmpdir(), `kube-dev-cp-${namespace.name}.txt`);
    writeFileSync(source, 'copied through exec and tar\n');
    const copied = await kubectl(['cp', source, `${namespace.name}/${pod}:cp-${namespace.name}.txt`]);
    expect(copied.code, copied.stderr).toBe(0);
    const read = await kubectl(['exec', pod, '-n', namespace.name, '--', 'cat', `cp-${namespace.name}.txt`]);
    expect(read.stdout).toBe('copied through exec and tar\n');
  });

  it('kubectl logs reads the pod log file, and logs -f follows appended lines', async () => {
    await appendPodLog(cluster, { namespace: namespace.name, pod, lines: ['hello', 'world'] });
    const logs = await kubectl(['logs', pod, '-n', namespace.name]);
    expect(logs.stdout).toBe('hello\nworld\n');

    const follow = startKubectl(['logs', '-f', pod, '-n', namespace.name]);
    await waitForOutput(follow, /world\n/);
    await appendPodLog(cluster, { namespace: namespace.name, pod, lines: 'appended later' });
    await waitForOutput(follow, /appended later\n/);
    expect(follow.output()).toBe('hello\nworld\nappended later\n');
  });

  it('kubectl attach streams new output of the container', async () => {
    await appendPodLog(cluster, { namespace: namespace.name, pod, lines: 'before attach' });
    const attach = startKubectl(['attach', pod, '-n', namespace.name]);
    // attach shows only lines written after it connected, so keep writing until one arrives.
    const deadline = Date.now() + 30_000;
    while (!attach.output().includes('while attached') && Date.now() < deadline) {
      await appendPodLog(cluster, { namespace: namespace.name, pod, lines: 'while attached' });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(attach.output()).toContain('while attached');
    expect(attach.output()).not.toContain('before attach');
  });

  it('the helpers reject bad input with the reason', async () => {
    await expect(
      appendPodLog(cluster, { namespace: namespace.name, pod, container: 'nope', lines: 'x' }),
    ).rejects.toThrow(`has no container "nope"; it has ${pod}`);
    await expect(
      appendPodLog(cluster, { namespace: namespace.name, pod: 'missing', lines: 'x' }),
    ).rejects.toThrow(/cannot read pod .*missing \(HTTP 404\)/);
    await expect(
      forwardPodPort(cluster, { namespace: namespace.name, pod, port: 70000, to: { port: 1 } }),
    ).rejects.toThrow(/port must be 1-65535/);
  });

  describe('kubectl port-forward', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('data', (data) => socket.write(`echo:${data.toString()}`));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('carries bytes to a real local server and back', async () => {
      const target = (server.address() as AddressInfo).port;
      await forwardPodPort(cluster, { namespace: namespace.name, pod, port: 8080, to: { port: target } });
      const forward = startKubectl([
        'port-forward',
        '-n',
        namespace.name,
        `pod/${pod}`,
        ':8080',
        '--address=127.0.0.1',
      ]);
      const [, localPort] = await waitForOutput(forward, /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(localPort), '127.0.0.1', () => socket.write('ping'));
        socket.on('data', (data) => {
          resolve(data.toString());
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(reply).toBe('echo:ping');
    });
  });
});
