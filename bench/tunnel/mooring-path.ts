// The Mooring side of the tunnel benchmarks (bench/tunnel, bench/peers): kas's agent listener and Kubernetes API
// proxy without a database, and the agentk command that connects to it. One setup, so both benchmarks measure the
// same kas.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import {
  startAgentApiServer,
  type AgentApiServer,
} from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import {
  startKubernetesApiProxy,
  type KubernetesApiProxy,
} from '@mooring/modules/kubernetes_api/server/index';

export const benchAgentId = 1;
/** The personal access token the FAKE authenticator accepts (it accepts any). */
export const benchProxyToken = `pat:${benchAgentId}:bench`;
const agentToken = 'mgt-bench-agent';

export interface BenchKas {
  server: AgentApiServer;
  proxy: KubernetesApiProxy;
  /** Arguments of apps/agentk's src/main.ts that connect one agentk to this kas. */
  agentkArgs(agentKubeconfigPath: string): string[];
  /** Resolves once agentk holds at least `idle` idle tunnel streams. */
  agentConnected(idle?: number): Promise<void>;
  stop(): Promise<void>;
}

export const agentkDir = fileURLToPath(new URL('../../apps/agentk', import.meta.url));
export const agentkEnv = { POD_NAME: 'bench-agentk', POD_NAMESPACE: 'mooring-system' };

/** kas's agent listener and proxy on free loopback ports; TLS material and the agent token go under `dir`. */
export async function startBenchKas(dir: string): Promise<BenchKas> {
  const server = await startAgentApiServer({
    port: 0,
    tls: { mode: 'self-signed', dir: join(dir, 'kas-tls') },
    verifyAgentToken: inTestTokenVerifier({
      [agentToken]: { agentId: benchAgentId, tokenId: 1, projectId: 1 },
    }),
    logger: pino({ level: 'silent' }),
  });
  // FAKE authenticator (the benchmark has no database): every caller is allowed on the agent as the agent.
  const proxy = await startKubernetesApiProxy({
    port: 0,
    dialer: server.dialer,
    authenticate: async (c) => ({
      kind: 'user',
      agentId: c.agentId,
      configProjectId: 1,
      accessType: 'personal_access_token',
      user: { id: 1, username: 'bench' },
      accessAs: { agent: {} },
      projects: [],
      groups: [],
    }),
  });
  const tokenFile = join(dir, 'agent-token');
  writeFileSync(tokenFile, agentToken, { mode: 0o600 });
  return {
    server,
    proxy,
    agentkArgs: (kubeconfig) => [
      '--kas-address',
      server.url,
      '--token-file',
      tokenFile,
      '--ca-cert-file',
      server.caFile!,
      '--kubeconfig',
      kubeconfig,
    ],
    async agentConnected(idle = 2) {
      while (server.dialer.streamCounts(benchAgentId).idle < idle)
        await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      await proxy.stop();
      await server.stop(500);
    },
  };
}
