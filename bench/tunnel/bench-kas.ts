// kas as the tunnel benchmarks run it: the agent listener and the Kubernetes API proxy, without a database.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { testCaller } from '@mooring/modules/kubernetes_api/shared/testing/authorized-caller';
import pino from 'pino';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { startKubernetesApiProxy } from '@mooring/modules/kubernetes_api/server/index';
import { clockTicksPerSecond, cpuSeconds } from './proc-stat';

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

/** Where a kas-proxy.ts child listens (its first line), and `ask()`: its idle tunnels of agent 1 and its CPU so far. */
export async function kasProxyChild(child: ChildProcess) {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const info = JSON.parse((await lines.next()).value as string) as {
    agentUrl: string;
    caFile: string;
    proxyUrl: string;
    proxyCaPem: string;
  };
  const ask = async () => {
    child.stdin!.write('\n');
    return JSON.parse((await lines.next()).value as string) as { idle: number; cpuUs: number };
  };
  return { info, ask };
}

const ticks = clockTicksPerSecond();
/** User + system CPU of a child process in µs (Linux /proc, through proc-stat.ts's parser). */
export function cpuOfPid(pid: number): number {
  return cpuSeconds([pid], ticks)[0]! * 1e6;
}
