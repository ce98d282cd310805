// The Mooring side of bench/watch: real agentk (object_watch's agent half, its informers caching the default set)
// connected through the real reverse tunnel to kas's ObjectWatchHub in a process of its own (kas-watch.ts), whose
// in-process viewers record what they receive.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeCluster } from '@mooring/kube-dev';
import { commandClient } from './protocol';
import { until } from '@mooring/modules/shared/testing/until';
import { inspectorUrl, memoryAfterGc } from './inspector-memory';
import type { ViewerPath } from './viewer-path';

const agentkDir = fileURLToPath(new URL('../../apps/agentk', import.meta.url));

export interface MooringPathOptions {
  cluster: KubeCluster;
  /** A private temp dir of the run. */
  dir: string;
  /** The largest pod count of the run: agentk's and the hub's object caps are raised above it. */
  maxPods: number;
  spawnChild: (
    file: string,
    args: string[],
    options?: { nodeArgs?: string[]; cwd?: string; env?: NodeJS.ProcessEnv },
  ) => ChildProcess;
  profileArgs: string[];
}

/** Starts kas (agent listener + ObjectWatchHub) and one agentk on the cluster's agent ServiceAccount. */
export async function startMooringPath(options: MooringPathOptions): Promise<ViewerPath> {
  const agentToken = 'mgt-bench-watch-agent';
  const maxObjects = options.maxPods + 10_000;
  const kas = options.spawnChild('kas-watch.ts', [agentToken, String(maxObjects)], {
    nodeArgs: options.profileArgs,
  });
  const { ask } = commandClient(kas, 'kas-watch');
  const info = await ask<{ agentUrl: string; caFile: string }>({ cmd: 'info' }, 60_000);
  const tokenFile = join(options.dir, 'kas-agent-token');
  writeFileSync(tokenFile, agentToken, { mode: 0o600 });
  const agentk = options.spawnChild(
    'src/main.ts',
    [
      '--kas-address', info.agentUrl,
      '--token-file', tokenFile,
      '--ca-cert-file', info.caFile,
      '--kubeconfig', options.cluster.agentKubeconfigPath,
    ], // prettier-ignore
    {
      // The inspector only answers memoryAfterGc (loopback, a free port).
      nodeArgs: [...options.profileArgs, '--inspect=127.0.0.1:0'],
      cwd: agentkDir,
      env: { ...process.env, POD_NAME: 'bench-watch-agentk', POD_NAMESPACE: 'mooring-system' },
    },
  );
  let stderr = '';
  agentk.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  const url = await until(
    () => `agentk's inspector URL on its stderr: ${stderr.slice(0, 500)}`,
    () => inspectorUrl(stderr),
  );
  return { name: 'mooring', ask, cacheMemory: () => memoryAfterGc(url) };
}
