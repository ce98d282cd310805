// The chart tests' helm: the binary built from its Go module (packages/kube-dev/src/helm.ts, cached under
// ~/.cache/mooring/helm), run with its own config, cache and data dirs in a temp dir (0700), so no test writes to
// the user's ~/.config/helm. Values go in through a file (0600), as `helm install -f` reads them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHelm } from '@mooring/kube-dev';
import { parseAllDocuments } from 'yaml';

export const chartsDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const agentkChart = path.join(chartsDir, 'agentk');
export const kasChart = path.join(chartsDir, 'kas');

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface HelmRunner {
  version: string;
  /** Runs helm; never throws on a failing command. */
  run(args: string[], options?: { kubeconfig?: string; timeoutMs?: number }): Promise<HelmResult>;
  /** A values file (0600) in the runner's temp dir, for `-f`. */
  valuesFile(values: unknown): string;
  /** `helm template` with `values`; the rendered objects, or the failure. */
  template(
    chart: string,
    release: string,
    namespace: string,
    values: unknown,
  ): Promise<HelmResult & { objects: K8sObject[] }>;
  dispose(): void;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Builds helm when it is missing (minutes, with progress on stderr), then hands out a runner. */
export async function startHelm(): Promise<HelmRunner> {
  const started = Date.now();
  const helm = await ensureHelm();
  process.stderr.write(`helm ${helm.version} at ${helm.path} (${Date.now() - started} ms to ensure)\n`);
  const home = mkdtempSync(path.join(tmpdir(), 'mooring-helm-'));
  let files = 0;
  const run: HelmRunner['run'] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(helm.path, args, {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          HELM_CONFIG_HOME: path.join(home, 'config'),
          HELM_CACHE_HOME: path.join(home, 'cache'),
          HELM_DATA_HOME: path.join(home, 'data'),
          ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  const valuesFile = (values: unknown) => {
    const file = path.join(home, `values-${++files}.json`);
    writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    return file;
  };
  return {
    version: helm.version,
    run,
    valuesFile,
    async template(chart, release, namespace, values) {
      const result = await run([
        'template',
        release,
        chart,
        '--namespace',
        namespace,
        '-f',
        valuesFile(values),
      ]);
      const objects =
        result.code === 0
          ? parseAllDocuments(result.stdout)
              .map((doc) => doc.toJS() as K8sObject | null)
              .filter((o): o is K8sObject => o !== null)
          : [];
      return { ...result, objects };
    },
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** The one object of `kind` (and `name`, when given) among `objects`; throws naming what is there otherwise. */
export function objectOf(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found[0]!;
}
