// A real agentk process for integration tests (apps/agentk/src/main.ts under tsx), its output kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const agentkDir = fileURLToPath(new URL('../../../../../apps/agentk', import.meta.url));

export interface AgentkProcess {
  podName: string;
  child: ChildProcess;
  output(): string;
  observabilityUrl(): string | undefined;
  exited: Promise<number | null>;
  /** SIGTERM (agentk finishes calls in flight), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface SpawnAgentkOptions {
  podName: string;
  kasUrl: string;
  tokenFile: string;
  caFile: string;
  kubeconfig: string;
}

export function spawnAgentk(options: SpawnAgentkOptions): AgentkProcess {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', 'src/main.ts',
      '--kas-address', options.kasUrl,
      '--token-file', options.tokenFile,
      '--ca-cert-file', options.caFile,
      '--kubeconfig', options.kubeconfig,
      '--observability-listen-address', '127.0.0.1:0',
    ], // prettier-ignore
    {
      cwd: agentkDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        POD_NAME: options.podName,
        POD_NAMESPACE: 'mooring-system',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    podName: options.podName,
    child,
    output: () => output,
    observabilityUrl: () => /observability listening on (http:\/\/\S+?)"/.exec(output)?.[1],
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(timer));
      }
      return exited;
    },
  };
}
