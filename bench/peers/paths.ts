// The three paths of the peers benchmark: direct, Mooring (a kas child process and an agentk process) and the
// remotedialer pair, each started against one local cluster and described as a PathTarget for the load client.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeCluster } from '@mooring/kube-dev';
import { z } from 'zod';
import { spawnAgentk } from '@mooring/modules/kubernetes_api/server/testing/agentk-process';
import { until } from '@mooring/modules/shared/testing/until';
import { httpsRequest } from '../tunnel/bench-http';
import { startChild, track } from './children';
import type { PathTarget } from './load';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
/** The personal access token the benchmark's FAKE authenticator (bench/tunnel/bench-kas.ts) accepts on agent 1. */
const benchProxyToken = 'pat:1:bench';

/** Writes `content` to `<dir>/<name>` readable by us alone and returns the path. */
function privateFile(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/** The cluster's CA and the agent's ServiceAccount token as files under `dir`; the direct path uses them. */
export function directPath(cluster: KubeCluster, dir: string): PathTarget {
  return {
    name: 'direct',
    base: cluster.server,
    caFile: privateFile(dir, 'cluster-ca.pem', Buffer.from(cluster.caData, 'base64')),
    // The identity agentk and the remotedialer server use, so all three paths are authorised alike.
    tokenFile: privateFile(dir, 'cluster-token', cluster.agentToken),
    processes: { 'kube-apiserver': cluster.pids['kube-apiserver']! },
  };
}

/** kas (bench/tunnel/kas-proxy.ts) and one agentk process connected to it, each a process of its own. */
export async function startMooring(cluster: KubeCluster, dir: string): Promise<PathTarget> {
  const agentToken = 'mgt-bench-agent';
  const kasProxy = fileURLToPath(new URL('../tunnel/kas-proxy.ts', import.meta.url));
  const kas = startChild('kas', process.execPath, ['--import', 'tsx', kasProxy, agentToken]);
  const info = z
    .object({ agentUrl: z.string(), caFile: z.string(), proxyUrl: z.string(), proxyCaPem: z.string() })
    .parse(JSON.parse(await kas.nextLine()));
  const agentk = spawnAgentk({
    podName: 'bench-agentk',
    kasUrl: info.agentUrl,
    tokenFile: privateFile(dir, 'agent-token', agentToken),
    caFile: info.caFile,
    kubeconfig: cluster.agentKubeconfigPath,
  });
  track(agentk.child);
  // kas-proxy.ts answers each stdin line with agent 1's idle tunnel count.
  const idle = async () => {
    kas.write('\n');
    return z.object({ idle: z.number() }).parse(JSON.parse(await kas.nextLine())).idle;
  };
  await until(
    () => `agentk's idle tunnels (agentk said: ${agentk.output().slice(-500)})`,
    async () => (await idle()) >= 2,
    60_000,
  );
  log(`Mooring: agentk connected; proxy at ${info.proxyUrl}`);
  return {
    name: 'mooring',
    base: info.proxyUrl,
    caFile: privateFile(dir, 'proxy-ca.pem', info.proxyCaPem),
    tokenFile: privateFile(dir, 'mooring-token', benchProxyToken),
    processes: { kas: kas.pid, agentk: agentk.child.pid! },
  };
}

/**
 * A remotedialer harness server reaching kube-apiserver with the direct path's CA and token; its files are named
 * `<prefix>-…` in `dir`. Resolves once it listens, with where (`ready`) and the tokens it expects.
 */
export async function startRemotedialerServer(
  rdharness: string,
  direct: PathTarget,
  dir: string,
  prefix: string,
) {
  const secret = (name: string) => privateFile(dir, `${prefix}-${name}`, randomBytes(24).toString('hex'));
  const clientToken = secret('client-token');
  const agentToken = secret('agent-token');
  const server = startChild(`remotedialer server (${prefix})`, rdharness, [
    'server',
    '-dir',
    join(dir, `${prefix}-tls`),
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
  return { server, ready, clientToken, agentToken };
}

/** The remotedialer server and agent; the server reaches kube-apiserver with the direct path's CA and token. */
export async function startRemotedialer(
  rdharness: string,
  direct: PathTarget,
  dir: string,
): Promise<PathTarget> {
  const { server, ready, clientToken, agentToken } = await startRemotedialerServer(
    rdharness,
    direct,
    dir,
    'rd',
  );
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
  await until(
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
