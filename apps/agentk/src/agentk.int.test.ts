// agentk ↔ kas over real TLS sockets: the tunnel, several pods, revocation, auth errors, not-connected errors,
// the per-agent stream limit, configuration push and the observability endpoints.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { NotifyingConfigSource } from '@mooring/modules/agent_configuration/server/index';
import {
  AgentMethodNotServedError,
  AgentNotConnectedError,
  AgentStreamLimitError,
  TunnelCallError,
} from '@mooring/modules/reverse_tunnel/server/index';
import { until } from '@mooring/modules/shared/testing/until';
import { ReverseTunnelClient } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import type { Agentk } from './agentk';
import {
  COUNT,
  roundTrip,
  startTestAgentk,
  startTestKas,
  TICKS,
  type TestKas,
  UPPER,
} from './testing/test-support';

const TOKENS = {
  'mgt-agent7': { agentId: 7, tokenId: 70, projectId: 1 },
  'mgt-agent8': { agentId: 8, tokenId: 80, projectId: 1 },
  'mgt-agent9': { agentId: 9, tokenId: 90, projectId: 1 },
};

const agents: Agentk[] = [];
const kases: TestKas[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop(2_000)));
});
afterAll(async () => {
  await Promise.all(kases.map((k) => k.server.stop(2_000)));
});

async function kas(overrides: Parameters<typeof startTestKas>[1] = {}) {
  const k = await startTestKas(TOKENS, { limits: { routingTimeoutMs: 5_000 }, ...overrides });
  kases.push(k);
  return k;
}
async function agentk(
  k: TestKas,
  token: string,
  pod: string,
  overrides: Parameters<typeof startTestAgentk>[3] = {},
) {
  const a = await startTestAgentk(k, token, pod, overrides);
  agents.push(a);
  return a;
}

describe('agentk ↔ kas tunnel (TLS, real sockets)', () => {
  it('a call round-trips through the tunnel, and Register carries the cluster Kubernetes version', async () => {
    const k = await kas();
    const a = await agentk(k, 'mgt-agent7', 'agentk-a');
    await a.registered;
    const result = await roundTrip(k, 7, ['hello', 'tunnel']);
    expect(result).toEqual({
      header: { pod: ['agentk-a'] },
      messages: ['HELLO', 'TUNNEL'],
      trailer: { served: ['yes'] },
    });
    const [pod] = k.server.connectedAgents.list(7);
    expect(pod?.meta?.podName).toBe('agentk-a');
    expect(pod?.meta?.kubernetesVersion?.gitVersion).toBe(inject('kubeCluster').version);
    // A fresh tunnel replaced the one the call used: the pool is back to its idle minimum or more.
    await until('idle tunnels back', () => k.server.dialer.streamCounts(7).idle >= 2);
    expect(k.server.dialer.streamCounts(7)).toMatchObject({ active: 0, limit: 500 });
  });

  it('streams a 32 MiB upload through one tunnel with flow control (drain) and 1000 small response messages', async () => {
    const k = await kas();
    await agentk(k, 'mgt-agent7', 'pod-bulk');
    const call = await k.server.dialer.openCall(7, COUNT, { signal: AbortSignal.timeout(60_000) });
    const chunk = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 128; i++) {
      call.sendMessage(chunk);
      await call.drain?.();
    }
    call.closeSend();
    const answer: string[] = [];
    for await (const m of call.messages) answer.push(Buffer.from(m).toString());
    expect(answer).toEqual([String(128 * chunk.length)]);

    const ticks = await k.server.dialer.openCall(7, TICKS, {
      signal: AbortSignal.timeout(60_000),
      meta: { count: ['1000'], 'interval-ms': ['0'] },
    });
    let received = 0;
    for await (const m of ticks.messages) received += m.byteLength > 0 ? 1 : 0;
    expect(received).toBe(1000);
  });

  it('two agentk pods of one agent both receive calls and are both recorded', async () => {
    const k = await kas();
    await agentk(k, 'mgt-agent7', 'pod-1');
    await agentk(k, 'mgt-agent7', 'pod-2');
    await until('both pods connected', () => k.server.connectedAgents.list(7).length === 2);
    await until('tunnels of both pods', () =>
      k.server.connectedAgents.list(7).every((p) => p.tunnels.idle >= 2),
    );
    const served = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const { header } = await roundTrip(k, 7, ['x']);
      const pod = header.pod![0]!;
      served.set(pod, (served.get(pod) ?? 0) + 1);
    }
    expect([...served.keys()].sort()).toEqual(['pod-1', 'pod-2']);
    expect(
      k.server.connectedAgents
        .list(7)
        .map((p) => p.meta?.podName)
        .sort(),
    ).toEqual(['pod-1', 'pod-2']);
  });

  it('revoking the token closes its open streams, idle and active, and new tunnels are refused', async () => {
    const k = await kas();
    const a = await agentk(k, 'mgt-agent8', 'pod-r');
    await until('idle tunnels', () => k.server.dialer.streamCounts(8).idle >= 2);
    const longCall = await k.server.dialer.openCall(8, TICKS, {
      signal: AbortSignal.timeout(30_000),
      meta: { count: ['1000'], 'interval-ms': ['20'] },
    });
    const reading = (async () => {
      for await (const m of longCall.messages) void m;
    })();
    await longCall.header;
    k.verifier.revoke('mgt-agent8');
    k.revocations.revoke(80);
    await expect(reading).rejects.toBeInstanceOf(TunnelCallError);
    expect(k.server.dialer.streamCounts(8)).toMatchObject({ idle: 0, active: 0 });
    // agentk keeps trying (with backoff) and kas keeps refusing: no tunnel ever comes back.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(k.server.dialer.streamCounts(8)).toMatchObject({ idle: 0, active: 0 });
    expect(a.poolStats().idle).toBe(0);
  });

  it('a wrong token gets Unauthenticated with a message that says what to do', async () => {
    const k = await kas();
    const client = new ReverseTunnelClient(
      k.server.url.replace('grpcs://', ''),
      credentials.createSsl(k.server.caPem),
    );
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer mgt-not-a-real-token');
    const result = await new Promise<{ code: number; details: string }>((resolve) => {
      const stream = client.connect(metadata);
      stream.on('error', () => undefined);
      stream.on('status', (s) => resolve(s));
      stream.write({
        msg: {
          $case: 'descriptor',
          value: { podId: 1, agentDescriptor: { services: [] }, reusable: false, batches: false },
        },
      });
    });
    client.close();
    expect(result.code).toBe(status.UNAUTHENTICATED);
    expect(result.details).toMatch(/agent token is not valid.*revoked.*create a new token/);

    const missing = await new Promise<{ code: number; details: string }>((resolve) => {
      const c = new ReverseTunnelClient(
        k.server.url.replace('grpcs://', ''),
        credentials.createSsl(k.server.caPem),
      );
      const stream = c.connect(new Metadata());
      stream.on('error', () => undefined);
      stream.on('status', (s) => {
        c.close();
        resolve(s);
      });
    });
    expect(missing.code).toBe(status.UNAUTHENTICATED);
    expect(missing.details).toContain('authorization: Bearer <agent token>');
  });

  it('an agent that is not connected fails after the wait with AgentNotConnectedError naming when it was last seen', async () => {
    const k = await kas();
    await agentk(k, 'mgt-agent8', 'pod-old');
    await until('tunnels', () => k.server.dialer.streamCounts(8).idle >= 2);
    // Refused at once, without waiting for a tunnel: waiting would end in AgentNotConnectedError (the routing
    // timeout) or an abort, never in AgentMethodNotServedError; and no caller is left waiting.
    const unserved = await k.server.dialer
      .openCall(8, '/mooring.not_served.Nothing/Call', { signal: AbortSignal.timeout(60_000) })
      .catch((e: unknown) => e);
    expect(unserved).toBeInstanceOf(AgentMethodNotServedError);
    expect((unserved as Error).message).toContain('agent 8 is connected, but none of its agentk pods serves');
    expect(k.server.registry.counts(8).waiting).toBe(0);

    const never = k.server.dialer.openCall(42, UPPER, { signal: AbortSignal.timeout(5_000), timeoutMs: 300 });
    await expect(never).rejects.toThrow(
      /agent 42 has no connection to any kas replica; last seen never; check that agentk is running/,
    );

    const a = await agentk(k, 'mgt-agent9', 'pod-gone');
    await until('tunnels', () => k.server.dialer.streamCounts(9).idle >= 2);
    await a.stop(1_000);
    await until('tunnels gone', () => k.server.dialer.streamCounts(9).idle === 0);
    // The call waits for a tunnel (a registered waiter) until its routing timeout, then fails naming the agent.
    const waiting = k.server.dialer
      .openCall(9, UPPER, { signal: AbortSignal.timeout(60_000), timeoutMs: 400 })
      .catch((e: unknown) => e);
    expect(k.server.registry.counts(9).waiting).toBe(1);
    const error = await waiting;
    expect(k.server.registry.counts(9).waiting).toBe(0);
    expect(error).toBeInstanceOf(AgentNotConnectedError);
    expect((error as AgentNotConnectedError).waitedMs).toBe(400);
    expect((error as Error).message).toMatch(
      /agent 9 has no connection.*last seen 20\d\d-\d\d-\d\dT.*\(\d+ s ago\)/,
    );
    // The pod is recorded as disconnected once it has had no tunnel for the grace period.
    await until('pod disconnected', () => k.server.connectedAgents.list(9).length === 0);
  });

  it('reconnects to a restarted kas: the pod is registered again and the next call works', async () => {
    const first = await kas();
    const a = await agentk(first, 'mgt-agent7', 'pod-restart');
    await a.registered;
    const port = first.server.port;
    await first.server.stop(1_000);
    const second = await startTestKas(TOKENS, {
      port,
      tls: { mode: 'self-signed', dir: first.tlsDir },
      limits: { routingTimeoutMs: 10_000 },
    });
    kases.push(second);
    // The call waits up to the routing timeout (10 s) for agentk's new tunnel; it fails if agentk does not reconnect.
    expect((await roundTrip(second, 7, ['again'])).messages).toEqual(['AGAIN']);
    await until(
      'registered again',
      () => second.server.connectedAgents.list(7)[0]?.meta?.podName === 'pod-restart',
    );
  });

  it('enforces the per-agent stream limit with a clear error', async () => {
    const k = await kas({ limits: { streamsPerAgent: 3, routingTimeoutMs: 2_000 } });
    await agentk(k, 'mgt-agent7', 'pod-limit');
    // The pool keeps 2 idle; the first call makes it open more, and kas accepts one of them (3 in all).
    await until('2 idle tunnels', () => k.server.dialer.streamCounts(7).idle === 2);
    const calls = [];
    for (let i = 0; i < 3; i++)
      calls.push(
        await k.server.dialer.openCall(7, TICKS, {
          signal: AbortSignal.timeout(20_000),
          meta: { count: ['1'], 'interval-ms': ['3000'] },
        }),
      );
    expect(k.server.dialer.streamCounts(7)).toEqual({ idle: 0, active: 3, limit: 3 });
    const over = await k.server.dialer
      .openCall(7, UPPER, { signal: AbortSignal.timeout(5_000) })
      .catch((e: unknown) => e);
    expect(over).toBeInstanceOf(AgentStreamLimitError);
    expect((over as Error).message).toContain('agent 7 reached its limit of 3 concurrent tunnel streams');
    // A Connect over the limit is refused with RESOURCE_EXHAUSTED naming the limit.
    const refused = await new Promise<{ code: number; details: string }>((resolve) => {
      const c = new ReverseTunnelClient(
        k.server.url.replace('grpcs://', ''),
        credentials.createSsl(k.server.caPem),
      );
      const metadata = new Metadata();
      metadata.set('authorization', 'Bearer mgt-agent7');
      const stream = c.connect(metadata);
      stream.on('error', () => undefined);
      stream.on('status', (st) => {
        c.close();
        resolve(st);
      });
      stream.write({
        msg: {
          $case: 'descriptor',
          value: { podId: 5, agentDescriptor: { services: [] }, reusable: false, batches: false },
        },
      });
    });
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toContain('agent 7 reached its limit of 3 concurrent tunnel streams');
    for (const c of calls) c.cancel('test done');
  });

  it('pushes a configuration change to agentk at once; the log level applies live', async () => {
    const configs = new Map<number, { version: string; yaml: string; config: unknown }>([
      [
        7,
        {
          version: '1',
          yaml: 'observability: {logging: {level: info}}',
          config: { observability: { logging: { level: 'info' } } },
        },
      ],
    ]);
    const source = new NotifyingConfigSource(async (agentId) => configs.get(agentId) ?? null);
    const k = await kas({ configSource: source });
    const a = await agentk(k, 'mgt-agent7', 'pod-config');
    await until('first config', () => a.config()?.version === '1');
    expect(a.logger.level).toBe('info');
    configs.set(7, {
      version: '2',
      yaml: 'observability: {logging: {level: debug}}',
      config: { observability: { logging: { level: 'debug' } } },
    });
    // Only a push can deliver it: the stream stays open (its maximum age is 30 % of 2 h) and agentk does not poll.
    source.notifyConfigChanged(7);
    await until('second config', () => a.config()?.version === '2');
    expect(a.logger.level).toBe('debug');
  });

  it('serves /metrics, /livez and /readyz on the observability address (port 0 = free port)', async () => {
    const k = await kas();
    const a = await agentk(k, 'mgt-agent7', 'pod-obs', { observability: { host: '127.0.0.1', port: 0 } });
    expect(a.observabilityUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${a.observabilityUrl}/livez`)).status).toBe(200);
    await until('ready', async () => (await fetch(`${a.observabilityUrl}/readyz`)).status === 200);
    const metrics = await (await fetch(`${a.observabilityUrl}/metrics`)).text();
    expect(metrics).toMatch(/mooring_agentk_tunnels\{state="idle"\} \d+/);
    expect(metrics).toContain('mooring_agentk_calls_in_flight');
  });

  it('graceful shutdown lets a call in flight finish', async () => {
    const k = await kas();
    const a = await agentk(k, 'mgt-agent7', 'pod-drain');
    await until('tunnels', () => k.server.dialer.streamCounts(7).idle >= 2);
    const call = await k.server.dialer.openCall(7, TICKS, {
      signal: AbortSignal.timeout(20_000),
      meta: { count: ['10'], 'interval-ms': ['100'] },
    });
    const received: string[] = [];
    const reading = (async () => {
      for await (const m of call.messages) received.push(Buffer.from(m).toString());
    })();
    await call.header;
    await a.stop(10_000);
    await reading;
    expect(received).toHaveLength(10);
    expect(k.server.dialer.streamCounts(7)).toMatchObject({ idle: 0, active: 0 });
  });
});
