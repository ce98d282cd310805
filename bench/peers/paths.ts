// The three paths of the peers benchmark: direct, Mooring (a kas child process and an agentk process) and the
// remotedialer pair, each started against one local cluster and described as a PathTarget for the load client.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeCluster } from '@mooring/kube-dev';
import { z } from 'zod';
import { httpsRequest } from '../tunnel/bench-http';
import { agentkDir, agentkEnv, benchProxyToken } from '../tunnel/mooring-path';
import { startChild } from './children';
import type { PathTarget } from './load';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** The cluster's CA and the agent's ServiceAccount token as files under `dir`; the direct path uses them. */
export function directPath(cluster: KubeCluster, dir: string): PathTarget {
  const caFile = join(dir, 'cluster-ca.pem');
  const tokenFile = join(dir, 'cluster-token');
  writeFileSync(caFile, Buffer.from(cluster.caData, 'base64'), { mode: 0o600 });
  // The identity agentk and the remotedialer server use, so all three paths are authorised alike.
  writeFileSync(tokenFile, cluster.agentToken, { mode: 0o600 });
  return {
    name: 'direct',
    base: cluster.server,
    caFile,
    tokenFile,
    processes: { 'kube-apiserver': cluster.pids['kube-apiserver']! },
  };
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** kas (kas-child.ts) and one agentk process connected to it. */
export async function startMooring(cluster: KubeCluster, dir: string): Promise<PathTarget> {
  const kasChild = fileURLToPath(new URL('kas-child.ts', import.meta.url));
  const kas = startChild('kas', process.execPath, [
    '--import',
    'tsx',
    kasChild,
    dir,
    cluster.agentKubeconfigPath,
  ]);
  const listening = z
    .object({ proxyUrl: z.string(), proxyCaFile: z.string(), agentkArgs: z.array(z.string()) })
    .parse(JSON.parse(await kas.nextLine()));
  const agentk = startChild(
    'agentk',
    process.execPath,
    ['--import', 'tsx', join(agentkDir, 'src/main.ts'), ...listening.agentkArgs],
    agentkEnv,
  );
  await kas.nextLine(); // {"connected": true}
  const tokenFile = join(dir, 'mooring-token');
  writeFileSync(tokenFile, benchProxyToken, { mode: 0o600 });
  log(`Mooring: agentk connected; proxy at ${listening.proxyUrl}`);
  return {
    name: 'mooring',
    base: listening.proxyUrl,
    caFile: listening.proxyCaFile,
    tokenFile,
    processes: { kas: kas.pid, agentk: agentk.pid },
  };
}

/** The remotedialer server and agent; the server reaches kube-apiserver with the direct path's CA and token. */
export async function startRemotedialer(
  rdharness: string,
  direct: PathTarget,
  dir: string,
): Promise<PathTarget> {
  const secret = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
    return file;
  };
  const clientToken = secret('rd-client-token');
  const agentToken = secret('rd-agent-token');
  const server = startChild('remotedialer server', rdharness, [
    'server',
    '-dir',
    join(dir, 'rd-tls'),
    '-cluster',
    direct.base,
    '-cluster-ca-file',
    direct.caFile,
    '-cluster-token-file',
    direct.tokenFile,
    '-client-token-file',
    clientToken,
    '-agent-token-file',
    agentToken,
  ]);
  const ready = z.object({ url: z.string(), caFile: z.string() }).parse(JSON.parse(await server.nextLine()));
  const agent = startChild('remotedialer agent', rdharness, [
    'agent',
    '-connect',
    `${ready.url.replace(/^https:/, 'wss:')}/connect`,
    '-ca-file',
    ready.caFile,
    '-token-file',
    agentToken,
    '-cluster-address',
    new URL(direct.base).host,
  ]);
  const base = `${ready.url}/k8s/clusters/agent`;
  const ca = readFileSync(ready.caFile, 'utf8');
  const token = readFileSync(clientToken, 'utf8');
  await waitFor(
    'the remotedialer tunnel',
    async () =>
      (await httpsRequest(`${base}/version`, { ca, authorization: `Bearer ${token}` })).status === 200,
  );
  log(`remotedialer: agent connected; proxy at ${base}`);
  return {
    name: 'remotedialer',
    base,
    caFile: ready.caFile,
    tokenFile: clientToken,
    processes: { server: server.pid, agent: agent.pid },
  };
}
