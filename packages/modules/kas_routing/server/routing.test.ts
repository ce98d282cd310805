// kas-to-kas routing over real gRPC on loopback: replica A holds no tunnel of agent 1, replicas B and C do (real
// agent listeners, agentk's real tunnel pool). A call through A's routing dialer reaches the agent through one of
// them — bytes both ways with backpressure, cancellation end to end, the first Ready wins and the other route is
// cancelled — and without any tunnel anywhere the error is the "no connection to any kas replica" one.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { KasRoutingClient } from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';
import { ReverseTunnelClient } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTestTokenVerifier } from '../../modserver/testing/in-test-token-verifier';
import {
  startReverseTunnelAgent,
  TunnelHandlerRegistry,
  type TunnelPool,
} from '../../reverse_tunnel/agent/testing/tunnel-agent';
import {
  type AgentApiServer,
  startAgentApiServer,
} from '../../reverse_tunnel/server/testing/agent-api-server';
import { AgentNotConnectedError, type AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { createPeerClients, type PeerClients } from './peer-clients';
import { privateApiJwtSigner, privateApiJwtVerifier } from './private-api-jwt';
import { type RunningPrivateApiServer, startPrivateApiServer } from './private-api-server';
import { createRoutingDialer } from './routing-dialer';

const ECHO = '/test.Echo/Echo';
const WAIT = '/test.Echo/WaitForCancel';
const PUSH = '/test.Echo/Push';
/** Like the Kubernetes API handler serving a watch: messages without a Header, and no end until cancelled. */
const WATCH = '/test.Echo/Watch';
const secret = Buffer.alloc(32, 3);
const logger = pino({ level: 'silent' });

interface Replica {
  agentApi: AgentApiServer;
  privateApi: RunningPrivateApiServer;
  address: string;
}

const replicas: Replica[] = [];
const pools: TunnelPool[] = [];
const tunnelClients: ReverseTunnelClient[] = [];
let clients: PeerClients;
/** Which replica served each call (by the agentk pod that answered). */
const servedBy: number[] = [];
let cancelledOnAgent = 0;
let startedOnAgent = 0;
let peers: string[] = [];

async function startReplica(): Promise<Replica> {
  const agentApi = await startAgentApiServer({
    port: 0,
    tls: { mode: 'insecure' },
    verifyAgentToken: inTestTokenVerifier({ 'token-1': { agentId: 1, tokenId: 10, projectId: 1 } }),
    logger,
  });
  const privateApi = await startPrivateApiServer({
    host: '127.0.0.1',
    port: 0,
    dialer: agentApi.dialer,
    verifyJwt: privateApiJwtVerifier({ secret }),
    logger,
    maxWaitMs: 20_000,
  });
  return { agentApi, privateApi, address: `127.0.0.1:${privateApi.port}` };
}

function connectAgentPod(replica: Replica, podId: number) {
  const handlers = new TunnelHandlerRegistry();
  handlers.register(ECHO, async (call) => {
    servedBy.push(podId);
    await call.sendHeader({ 'x-pod': [String(podId)] });
    for await (const m of call.messages) await call.sendMessage(m);
    call.finish({ 'x-done': ['yes'] });
  });
  // Answers "first", then "second" only after the caller sent "more" (a watch: events long after the request).
  handlers.register(PUSH, async (call) => {
    call.sendHeader({});
    await call.sendMessage(Buffer.from('first'));
    for await (const _ of call.messages) void _;
    await call.sendMessage(Buffer.from('second'));
    call.finish();
  });
  handlers.register(WATCH, async (call) => {
    for await (const _ of call.messages) void _;
    await call.sendMessage(Buffer.from('event'));
    await new Promise<void>((resolve) =>
      call.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    cancelledOnAgent++;
  });
  handlers.register(WAIT, async (call) => {
    startedOnAgent++;
    await new Promise<void>((resolve) =>
      call.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    cancelledOnAgent++;
  });
  const client = new ReverseTunnelClient(
    replica.agentApi.url.replace('grpc://', ''),
    credentials.createInsecure(),
  );
  tunnelClients.push(client);
  const metadata = new Metadata();
  metadata.set('authorization', 'Bearer token-1');
  pools.push(
    startReverseTunnelAgent({
      client,
      metadata: () => metadata,
      handlers,
      podId,
      logger,
      minIdle: 2,
      scaleUpStep: 1,
    }),
  );
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

let gateway: AgentDialer;

beforeAll(async () => {
  replicas.push(await startReplica(), await startReplica(), await startReplica());
  const [, b, c] = replicas as [Replica, Replica, Replica];
  connectAgentPod(b, 2);
  connectAgentPod(c, 3);
  await until(
    () => b.agentApi.dialer.streamCounts(1).idle >= 2 && c.agentApi.dialer.streamCounts(1).idle >= 2,
  );
  clients = createPeerClients();
  peers = [b.address, c.address];
  gateway = createRoutingDialer({
    local: replicas[0]!.agentApi.dialer,
    peersOf: async () => peers,
    clients,
    jwt: privateApiJwtSigner({ secret }),
    routingTimeoutMs: 20_000,
    peerPollMs: 50,
  });
});

afterAll(async () => {
  for (const pool of pools) await pool.stop(100);
  for (const client of tunnelClients) client.close();
  clients?.close();
  for (const r of replicas) {
    await r.privateApi.stop(100);
    await r.agentApi.stop(100);
  }
});

describe('kas-to-kas routing', () => {
  it('carries a call from a replica without tunnels to the agent, bytes both ways, with backpressure', async () => {
    const call = await gateway.openCall(1, ECHO, { signal: new AbortController().signal });
    const chunk = Buffer.alloc(64 * 1024);
    const sent: number[] = [];
    const writer = (async () => {
      for (let i = 0; i < 200; i++) {
        chunk.writeUInt32BE(i, 0);
        call.sendMessage(Buffer.from(chunk));
        sent.push(i);
        await call.drain?.();
      }
      call.closeSend();
    })();
    const header = await call.header;
    expect(['2', '3']).toContain(header['x-pod']?.[0]);
    const got: number[] = [];
    let bytes = 0;
    for await (const m of call.messages) {
      got.push(Buffer.from(m).readUInt32BE(0));
      bytes += m.byteLength;
    }
    await writer;
    expect(got).toEqual(sent);
    expect(bytes).toBe(200 * 64 * 1024);
    expect((await call.trailer)['x-done']).toEqual(['yes']);
    // The losing route was cancelled: no replica keeps a busy stream.
    await until(() => replicas.every((r) => r.agentApi.dialer.streamCounts(1).active === 0));
  });

  it('serves many calls, each through exactly one replica', async () => {
    servedBy.length = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const call = await gateway.openCall(1, ECHO, { signal: new AbortController().signal });
        call.sendMessage(Buffer.from(`n${i}`));
        call.closeSend();
        const out: string[] = [];
        for await (const m of call.messages) out.push(Buffer.from(m).toString());
        return out.join('');
      }),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    expect(servedBy).toHaveLength(20);
  });

  it('delivers each response message as the agent sends it, not at the end of the call', async () => {
    const call = await gateway.openCall(1, PUSH, { signal: new AbortController().signal });
    const it = call.messages[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe('first');
    call.sendMessage(Buffer.from('more'));
    // Half-closed at once, as a watch is: the answer keeps coming.
    call.closeSend();
    expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe('second');
    expect((await it.next()).done).toBe(true);
  });

  it('delivers messages of a call whose agent sends no Header and never ends (a watch)', async () => {
    const before = cancelledOnAgent;
    const abort = new AbortController();
    const call = await gateway.openCall(1, WATCH, { signal: abort.signal });
    call.closeSend();
    const it = call.messages[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe('event');
    abort.abort();
    await expect(call.trailer).rejects.toMatchObject({ status: { code: status.CANCELLED } });
    await until(() => cancelledOnAgent === before + 1);
  });

  it('cancels the agent-side call when the caller aborts', async () => {
    const before = cancelledOnAgent;
    const started = startedOnAgent;
    const abort = new AbortController();
    const call = await gateway.openCall(1, WAIT, { signal: abort.signal });
    call.closeSend();
    await until(() => startedOnAgent === started + 1);
    abort.abort();
    await expect(call.trailer).rejects.toMatchObject({ status: { code: status.CANCELLED } });
    await until(() => cancelledOnAgent === before + 1);
  });

  it('refuses a private API call without the shared secret, saying which setting', async () => {
    const client = new KasRoutingClient(replicas[1]!.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${privateApiJwtSigner({ secret: Buffer.alloc(32, 9) })()}`);
    const stream = client.routeCall(metadata);
    const error = await new Promise<Error & { code?: number }>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.message).toMatch(/same MOORING_PRIVATE_API_SECRET/);
    client.close();
  });

  it('refuses a flood of calls with bad or expired JWTs and keeps routing', async () => {
    const client = new KasRoutingClient(replicas[1]!.address, credentials.createInsecure());
    const expired = privateApiJwtSigner({ secret, now: () => Date.now() - 120_000 })();
    const refusals = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${i % 3 === 0 ? expired : i % 3 === 1 ? 'x.y.z' : 'junk'}`);
        const stream = client.routeCall(metadata);
        return new Promise<number | undefined>((resolve) =>
          stream.on('error', (e: Error & { code?: number }) => resolve(e.code)),
        );
      }),
    );
    expect(new Set(refusals)).toEqual(new Set([status.UNAUTHENTICATED]));
    client.close();
    const call = await gateway.openCall(1, ECHO, { signal: new AbortController().signal });
    call.sendMessage(Buffer.from('still here'));
    call.closeSend();
    const out: string[] = [];
    for await (const m of call.messages) out.push(Buffer.from(m).toString());
    expect(out.join('')).toBe('still here');
  });

  it('says the agent has no connection to any kas replica when none holds a tunnel', async () => {
    const lonely = createRoutingDialer({
      local: replicas[0]!.agentApi.dialer,
      peersOf: async () => [replicas[1]!.address],
      clients,
      jwt: privateApiJwtSigner({ secret }),
      routingTimeoutMs: 300,
      peerPollMs: 50,
    });
    const error = await lonely
      .openCall(7, ECHO, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentNotConnectedError);
    expect((error as Error).message).toMatch(/agent 7 has no connection to any kas replica/);
  });

  it('uses a tunnel that appears on the gateway itself while it waits', async () => {
    peers = [];
    servedBy.length = 0;
    const pending = gateway.openCall(1, ECHO, { signal: new AbortController().signal });
    connectAgentPod(replicas[0]!, 1);
    const call = await pending;
    call.closeSend();
    for await (const _ of call.messages) void _;
    expect(servedBy).toEqual([1]);
  });
});
