// kas as the tunnel benchmarks run it: the agent listener and the Kubernetes API proxy, without a database.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { testCaller } from '@mooring/modules/kubernetes_api/shared/testing/authorized-caller';
import pino from 'pino';
import type { AgentIdentity } from '@mooring/modules/modserver/agent-auth';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import { startAgentApiServer } from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { startKubernetesApiProxy } from '@mooring/modules/kubernetes_api/server/index';
import { clockTicksPerSecond, cpuSeconds } from './proc-stat';

/** Tokens of agents 1..count as the idle-agent children (agents-idle.ts) present them: `mgt-bench-<id>`. */
export function benchAgentTokens(count: number): Record<string, AgentIdentity> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `mgt-bench-${i + 1}`,
      { agentId: i + 1, tokenId: i + 1, projectId: 1 },
    ]),
  );
}

export interface BenchKasOptions {
  /** Also accept agents 1..agents with their `benchAgentTokens`. */
  agents?: number;
  /** Agent listener port (0: a free one); a restarted kas takes the port of the one before it. */
  port?: number;
}

/**
 * Agent 1 authenticates with `agentToken`; TLS material goes to `tlsDir` (made there on first start, reused by a kas
 * started again on the same directory).
 */
export async function startBenchKas(agentToken: string, tlsDir: string, options: BenchKasOptions = {}) {
  const server = await startAgentApiServer({
    port: options.port ?? 0,
    tls: { mode: 'self-signed', dir: tlsDir },
    verifyAgentToken: inTestTokenVerifier({
      ...benchAgentTokens(options.agents ?? 0),
      [agentToken]: { agentId: 1, tokenId: 1, projectId: 1 },
    }),
    logger: pino({ level: 'silent' }),
  });
  // FAKE authenticator (the benchmark has no database): every caller is allowed as the agent its credential names.
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

/**
 * Where a kas-proxy.ts child listens (its first line), `ask()`: its idle tunnels of agent 1 and its CPU so far, and
 * `swarm()`: the counts of bench/swarm.
 */
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
  const swarm = async (gc = false) => {
    child.stdin!.write(gc ? 'swarm gc\n' : 'swarm\n');
    return JSON.parse((await lines.next()).value as string) as SwarmCounts;
  };
  return { info, ask, swarm };
}

/** kas-proxy.ts's answer to `swarm`: its memory, agents 1..N with an idle tunnel, their idle tunnels, its CPU. */
export interface SwarmCounts {
  rss: number;
  heap: number;
  ready: number;
  idle: number;
  configStreams: number;
  cpuUs: number;
}

const ticks = clockTicksPerSecond();
/** User + system CPU of a child process in µs (Linux /proc, through proc-stat.ts's parser). */
export function cpuOfPid(pid: number): number {
  return cpuSeconds([pid], ticks)[0]! * 1e6;
}
