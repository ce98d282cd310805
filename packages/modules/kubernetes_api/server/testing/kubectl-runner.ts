// Runs the built kubectl for the battery: one-shot commands, and long ones (watch, logs -f, port-forward) that the
// test reads while they run and then stops.
import { spawn } from 'node:child_process';

/**
 * The two ways kubectl talks to the proxy: HTTP/2, client-go's default over TLS, and HTTP/1.1, which client-go
 * switches to when DISABLE_HTTP2 is set (k8s.io/apimachinery/pkg/util/net SetTransportDefaults, as kubectl v1.36
 * reads it). Upgrades (exec, attach, port-forward, cp) open HTTP/1.1 connections of their own either way.
 */
export const KUBECTL_PROTOCOLS = [
  { name: 'HTTP/2', protocol: 'h2', tag: 'h2', env: {} },
  { name: 'HTTP/1.1 (DISABLE_HTTP2)', protocol: 'http/1.1', tag: 'h1', env: { DISABLE_HTTP2: 'true' } },
] as const satisfies readonly KubectlProtocol[];

/** kubectl's stderr without the line client-go logs (klog Info) whenever DISABLE_HTTP2 is set. */
export function withoutHttp2Notice(stderr: string): string {
  return stderr.replace(/^I\d{4} [^\n]*HTTP2 has been explicitly disabled\n?/gm, '');
}

export interface KubectlProtocol {
  name: string;
  /** The label of mooring_kas_k8s_proxy_connections_total its requests count under. */
  protocol: 'h2' | 'http/1.1';
  /** A short suffix for names of objects a test creates once per protocol. */
  tag: string;
  /** kubectl's environment for requests through kas. */
  env: Readonly<Record<string, string>>;
}

export interface KubectlRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  kubeconfig: string;
  env?: Record<string, string>;
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Leave stdin open until the command exits (a TTY session ends by itself, not by an early EOF). */
  keepStdinOpen?: boolean;
}

export function kubectlRun(kubectlPath: string, args: string[], options: RunOptions): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KUBECONFIG: options.kubeconfig,
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[battery] kubectl ${args.join(' ')} killed after ${options.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.on('error', () => undefined);
    if (options.keepStdinOpen) child.on('close', () => child.stdin.destroy());
    else child.stdin.end(options.stdin ?? '');
  });
}

export interface LongKubectl {
  output(): string;
  stderr(): string;
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export function kubectlLong(kubectlPath: string, args: string[], options: RunOptions): LongKubectl {
  const child = spawn(kubectlPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KUBECONFIG: options.kubeconfig,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  void exited.then(() => clearTimeout(guard));
  return {
    output: () => stdout,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The upstream exec path (kube-apiserver and kwok, no Mooring code between them) now and then drops the whole
 * stdout of `kubectl exec -i` over SPDY: kubectl exits 0 with nothing on stdout or stderr. Measured on the direct
 * path, kubectl straight to the cluster (docs/decisions.md, "SPDY exec -i loses its output upstream"). A run with
 * exactly that signature is repeated, `attempts` runs in all; anything else (an error, partial or wrong output)
 * is returned at once, so a proxy that loses or mangles output still fails.
 */
export async function retryingUpstreamSpdyStdinLoss(
  run: () => Promise<KubectlRun>,
  attempts = 3,
): Promise<KubectlRun> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    const lost = result.code === 0 && result.stdout === '' && result.stderr === '';
    if (!lost || attempt >= attempts) return result;
  }
}
