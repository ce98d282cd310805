// Batched tunnel frames over real gRPC on loopback (the standalone agent listener and agentk's tunnel pool): the
// frames one side writes in one go travel as one batch, and each side sends single frames to a peer that predates
// batches (an older agentk's Descriptor, an older kas's RequestInfo say nothing about them).
import { credentials, Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  type ConnectRequest,
  type ConnectResponse,
  ReverseTunnelClient,
  ReverseTunnelService,
} from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTestTokenVerifier } from '../../modserver/testing/in-test-token-verifier';
import { insecureLoopbackGrpc } from '../../shared/testing/loopback';
import { until } from '../../shared/testing/until';
import { startReverseTunnelAgent, TunnelHandlerRegistry } from '../agent/index';
import { type AgentApiServer, startAgentApiServer } from './testing/agent-api-server';

const ECHO = '/test.Echo/Echo';
const cases = (frames: Array<ConnectRequest | ConnectResponse>) =>
  frames.map((f) =>
    f.msg?.$case === 'batch' ? (f.msg.value.frames as typeof frames).map((g) => g.msg?.$case) : f.msg?.$case,
  );

/** Answers every call with "got <messages>" and "done", then its Trailer. */
function echoHandlers(): TunnelHandlerRegistry {
  const handlers = new TunnelHandlerRegistry();
  handlers.register(ECHO, async (call) => {
    const seen: string[] = [];
    for await (const m of call.messages) seen.push(Buffer.from(m).toString());
    await call.sendMessage(Buffer.from(`got ${seen.join(',')}`));
    await call.sendMessage(Buffer.from('done'));
    call.finish();
  });
  return handlers;
}

/** Each test's agentk is an agent of its own, so no test picks a stream another one is closing. */
const agentMetadata = (agentId: number) => () => {
  const m = new Metadata();
  m.set('authorization', `Bearer token-${agentId}`);
  return m;
};

let server: AgentApiServer;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  server = await startAgentApiServer({
    port: 0,
    tls: { mode: 'insecure' },
    verifyAgentToken: inTestTokenVerifier({
      'token-1': { agentId: 1, tokenId: 10, projectId: 1 },
      'token-2': { agentId: 2, tokenId: 20, projectId: 1 },
    }),
    logger: pino({ level: 'silent' }),
  });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await server?.stop(100);
});

async function echo(agentId: number, messages: string[]): Promise<string[]> {
  const c = await server.dialer.openCall(agentId, ECHO, { signal: new AbortController().signal });
  for (const m of messages) c.sendMessage(Buffer.from(m));
  c.closeSend();
  const out: string[] = [];
  for await (const m of c.messages) out.push(Buffer.from(m).toString());
  await c.trailer;
  return out;
}

describe('batched tunnel frames', () => {
  it('carry what each side writes in one go as one gRPC message', async () => {
    const client = new ReverseTunnelClient(server.url.replace('grpc://', ''), credentials.createInsecure());
    const toAgent: ConnectResponse[] = [];
    // agentk's own client, with every frame kas sends it recorded on the way in.
    const recording = Object.create(client) as ReverseTunnelClient;
    recording.connect = ((metadata: Metadata) => {
      const stream = client.connect(metadata);
      stream.on('data', (f: ConnectResponse) => toAgent.push(f));
      return stream;
    }) as ReverseTunnelClient['connect'];
    const pool = startReverseTunnelAgent({
      client: recording,
      metadata: agentMetadata(1),
      handlers: echoHandlers(),
      podId: 1,
      logger: pino({ level: 'silent' }),
      minIdle: 1,
      scaleUpStep: 1,
    });
    cleanups.push(
      () => client.close(),
      () => pool.stop(100),
    );
    await until('an idle tunnel of agent 1', () => server.dialer.streamCounts(1).idle >= 1);
    const toKas: ConnectRequest[] = [];
    for (const t of server.registry.allTunnels()) t.stream.on('data', (f: ConnectRequest) => toKas.push(f));

    expect(await echo(1, ['a', 'b'])).toEqual(['got a,b', 'done']);
    expect(cases(toAgent)).toEqual([['requestInfo', 'message', 'message', 'closeSend']]);
    expect(cases(toKas)).toEqual([['message', 'message', 'trailer']]);
  });

  it('are not sent to an agentk whose Descriptor does not ask for them', async () => {
    // An older agentk, speaking the protocol by hand: reusable streams, no batches.
    const client = new ReverseTunnelClient(server.url.replace('grpc://', ''), credentials.createInsecure());
    const stream = client.connect(agentMetadata(2)());
    stream.on('error', () => undefined);
    cleanups.push(() => {
      stream.cancel();
      client.close();
    });
    const toAgent: ConnectResponse[] = [];
    stream.on('data', (f: ConnectResponse) => {
      toAgent.push(f);
      if (f.msg?.$case !== 'closeSend') return;
      stream.write({ msg: { $case: 'message', value: { data: Buffer.from('old answer') } } });
      stream.write({ msg: { $case: 'trailer', value: { meta: {}, last: false } } });
    });
    stream.write({
      msg: {
        $case: 'descriptor',
        value: {
          podId: 2,
          agentDescriptor: { services: [{ name: 'test.Echo', methods: [{ name: 'Echo' }] }] },
          reusable: true,
          batches: false,
        },
      },
    });
    await until('an idle tunnel of agent 2', () => server.dialer.streamCounts(2).idle >= 1);

    expect(await echo(2, ['x', 'y'])).toEqual(['old answer']);
    expect(cases(toAgent)).toEqual(['requestInfo', 'message', 'message', 'closeSend']);
  });

  it('are not sent to a kas whose RequestInfo does not ask for them', async () => {
    // FAKE kas of the version before batches: one call per stream, RequestInfo without `batches`.
    const toKas: ConnectRequest[] = [];
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    const olderKas = (stream: ServerDuplexStream<ConnectRequest, ConnectResponse>) => {
      stream.on('error', () => undefined);
      stream.once('data', () => {
        stream.sendMetadata(new Metadata());
        stream.on('data', (f: ConnectRequest) => {
          toKas.push(f);
          if (f.msg?.$case !== 'trailer') return;
          stream.end();
          answered();
        });
        stream.write({
          msg: { $case: 'requestInfo', value: { methodName: ECHO, meta: {}, batches: false } },
        });
        stream.write({ msg: { $case: 'message', value: { data: Buffer.from('q') } } });
        stream.write({ msg: { $case: 'closeSend', value: {} } });
      });
    };
    const grpc = await insecureLoopbackGrpc(ReverseTunnelService, { connect: olderKas }, ReverseTunnelClient);
    const pool = startReverseTunnelAgent({
      client: grpc.client,
      metadata: agentMetadata(1),
      handlers: echoHandlers(),
      podId: 3,
      logger: pino({ level: 'silent' }),
      minIdle: 1,
      scaleUpStep: 1,
    });
    cleanups.push(
      () => grpc.close(),
      () => pool.stop(100),
    );
    await answer;
    expect(cases(toKas)).toEqual(['message', 'message', 'trailer']);
  });
});
