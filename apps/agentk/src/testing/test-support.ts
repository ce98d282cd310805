// Helpers for agentk's integration tests: a kas agent listener with an in-test token verifier, handlers served
// through the tunnel. Everything runs over real sockets with TLS.
import { KubeConfig } from '@kubernetes/client-node';
import type { AgentIdentity } from '@mooring/modules/modserver/index';
import { inTestTokenVerifier } from '@mooring/modules/modserver/testing/in-test-token-verifier';
import type { TunnelHandler } from '@mooring/modules/reverse_tunnel/server/index';
import {
  type AgentApiServer,
  type AgentApiServerOptions,
  startAgentApiServer,
} from '@mooring/modules/reverse_tunnel/server/testing/agent-api-server';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { type Agentk, type AgentkOptions, startAgentk } from '../agentk';

export const UPPER = '/mooring.test.Echo/Upper';
export const TICKS = '/mooring.test.Echo/Ticks';
export const COUNT = '/mooring.test.Echo/Count';
export const quietLogger = pino({ level: process.env.MOORING_TEST_LOG ?? 'silent' });

/** Revocation events as kas's token service would emit them. */
export function inTestRevocations() {
  const listeners = new Set<(r: { tokenId: number }) => void>();
  return {
    onRevoked: (listener: (r: { tokenId: number }) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    revoke: (tokenId: number) => listeners.forEach((l) => l({ tokenId })),
  };
}

export interface TestKas {
  server: AgentApiServer;
  verifier: ReturnType<typeof inTestTokenVerifier>;
  revocations: ReturnType<typeof inTestRevocations>;
  tlsDir: string;
}

export async function startTestKas(
  tokens: Record<string, AgentIdentity>,
  overrides: Partial<AgentApiServerOptions> = {},
): Promise<TestKas> {
  const verifier = inTestTokenVerifier(tokens);
  const revocations = inTestRevocations();
  const tlsDir = mkdtempSync(join(tmpdir(), 'mooring-agent-api-tls-'));
  const server = await startAgentApiServer({
    port: 0,
    tls: { mode: 'self-signed', dir: tlsDir },
    verifyAgentToken: verifier,
    onRevoked: revocations.onRevoked,
    logger: quietLogger,
    disconnectAfterMs: 500,
    ...overrides,
  });
  return { server, verifier, revocations, tlsDir };
}

/** Uppercases every message; the header names the pod that served the call. */
export function upperHandler(podName: string): TunnelHandler {
  return async (call) => {
    call.sendHeader({ pod: [podName] });
    for await (const m of call.messages)
      await call.sendMessage(Buffer.from(Buffer.from(m).toString().toUpperCase()));
    call.finish({ served: ['yes'] });
  };
}

/** Sends `count` messages `tick-<i>`, one every `interval-ms` (a long streaming response, like a watch). */
export const ticksHandler: TunnelHandler = async (call) => {
  const count = Number(call.meta.count?.[0] ?? 10);
  const intervalMs = Number(call.meta['interval-ms']?.[0] ?? 100);
  call.sendHeader({});
  for (let i = 0; i < count; i++) {
    if (call.signal.aborted) return;
    await call.sendMessage(Buffer.from(`tick-${i}`));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  call.finish({});
};

/** Answers with the number of request bytes it received (an upload). */
export const countHandler: TunnelHandler = async (call) => {
  let bytes = 0;
  for await (const m of call.messages) bytes += m.byteLength;
  await call.sendMessage(Buffer.from(String(bytes)));
  call.finish({});
};

/** The ServiceAccount kubeconfig of the run's real cluster (packages/kube-dev global setup). */
export function agentKubeConfig(): KubeConfig {
  const cluster = inject('kubeCluster');
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.agentKubeconfigPath);
  return kc;
}

export function startTestAgentk(
  kas: TestKas,
  token: string,
  podName: string,
  overrides: Partial<AgentkOptions> = {},
): Promise<Agentk> {
  return startAgentk({
    kasAddress: kas.server.url,
    token,
    caCertPem: kas.server.caPem,
    kubeConfig: agentKubeConfig(),
    podName,
    podNamespace: 'mooring-system',
    logger: quietLogger.child({ pod: podName }),
    tunnelHandlers: { [UPPER]: upperHandler(podName), [TICKS]: ticksHandler, [COUNT]: countHandler },
    pool: { backoffInitialMs: 100, backoffMaxMs: 500 },
    ...overrides,
  });
}

/** One call through the tunnel: sends `texts`, returns header, messages and trailer. */
export async function roundTrip(kas: TestKas, agentId: number, texts: string[], timeoutMs?: number) {
  const call = await kas.server.dialer.openCall(agentId, UPPER, {
    signal: AbortSignal.timeout(10_000),
    timeoutMs,
  });
  for (const t of texts) call.sendMessage(Buffer.from(t));
  call.closeSend();
  const header = await call.header;
  const messages: string[] = [];
  for await (const m of call.messages) messages.push(Buffer.from(m).toString());
  return { header, messages, trailer: await call.trailer };
}
