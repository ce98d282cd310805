// kas as the tunnel benchmarks run it: the agent listener and the Kubernetes API proxy, without a database.
import { testCaller } from '@mooring/modules/kubernetes_api/shared/testing/authorized-caller';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { startKubernetesApiProxy } from '@mooring/modules/kubernetes_api/server/index';

/** Agent 1 authenticates with `agentToken`; TLS material goes to `tlsDir`. */
export async function startBenchKas(agentToken: string, tlsDir: string) {
  const server = await startAgentApiServer({
    port: 0,
    tls: { mode: 'self-signed', dir: tlsDir },
    verifyAgentToken: inTestTokenVerifier({ [agentToken]: { agentId: 1, tokenId: 1, projectId: 1 } }),
    logger: pino({ level: 'silent' }),
  });
  // FAKE authenticator (the benchmark has no database): every caller is allowed on agent 1 as the agent.
  const proxy = await startKubernetesApiProxy({
    port: 0,
    dialer: server.dialer,
    authenticate: async (c) => testCaller({ agentId: c.agentId }),
  });
  return { server, proxy };
}

/** Closed-loop load: `concurrency` workers repeat `once` until `ms` passed; resolves with how many finished. */
export async function closedLoop(
  concurrency: number,
  ms: number,
  once: () => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await once();
        done++;
      }
    }),
  );
  return done;
}
