// Reusable tunnel streams over real gRPC on loopback (the standalone agent listener and agentk's tunnel pool): calls
// one after another share a stream, a call that answers before kas finished sending leaves no frame behind for the
// next call, and a cancelled call ends its stream while the other streams keep serving. agentk sheds an idle stream
// with Release, so a call kas sends at that moment is served instead of lost.
import { credentials, Metadata } from '@grpc/grpc-js';
import { ReverseTunnelClient } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTestTokenVerifier } from '../../modserver/testing/in-test-token-verifier';
import { AgentTunnel, type TunnelEnd } from '../agent/agent-tunnel';
import { startReverseTunnelAgent, TunnelHandlerRegistry, type TunnelPool } from '../agent/index';
import { type AgentApiServer, startAgentApiServer } from './testing/agent-api-server';

const ECHO = '/test.Echo/Echo';
let server: AgentApiServer;
let client: ReverseTunnelClient;
let pool: TunnelPool;
let handlers: TunnelHandlerRegistry;
const served: string[] = [];

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
  handlers = new TunnelHandlerRegistry();
  // Answers with every message it read up to the first "stop" (then answers at once, without reading further).
  handlers.register(ECHO, async (call) => {
    const seen: string[] = [];
    for await (const m of call.messages) {
      const text = Buffer.from(m).toString();
      if (text === 'stop') break;
      seen.push(text);
    }
    served.push(seen.join(','));
    await call.sendMessage(Buffer.from(seen.join(',')));
    call.finish();
  });
  client = new ReverseTunnelClient(server.url.replace('grpc://', ''), credentials.createInsecure());
  pool = startReverseTunnelAgent({
    client,
    metadata: () => bearer('token-1'),
    handlers,
    podId: 1,
    logger: pino({ level: 'silent' }),
    minIdle: 1,
    scaleUpStep: 1,
  });
  while (server.dialer.streamCounts(1).idle < 1) await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await pool?.stop(100);
  client?.close();
  await server?.stop(100);
});

async function call(messages: string[], opts: { closeSend?: boolean; agentId?: number } = {}) {
  const c = await server.dialer.openCall(opts.agentId ?? 1, ECHO, { signal: new AbortController().signal });
  for (const m of messages) c.sendMessage(Buffer.from(m));
  if (opts.closeSend !== false) c.closeSend();
  const out: string[] = [];
  for await (const m of c.messages) out.push(Buffer.from(m).toString());
  await c.trailer;
  return out;
}

function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

const streamIds = () =>
  server.registry
    .allTunnels()
    .map((t) => t.id)
    .sort((a, b) => a - b);

describe('reusable tunnel streams', () => {
  it('serve calls one after another on the streams already open', async () => {
    // The first call makes the pool open its spare stream (min idle 1); from then on no stream opens.
    expect(await call(['warm'])).toEqual(['warm']);
    const before = streamIds();
    expect(await call(['a', 'b'])).toEqual(['a,b']);
    expect(await call(['c'])).toEqual(['c']);
    expect(await call([])).toEqual(['']);
    expect(streamIds()).toEqual(before);
    expect(server.dialer.streamCounts(1)).toMatchObject({ idle: before.length, active: 0 });
  });

  it('drop the frames of a call that answered early, so the next call reads only its own', async () => {
    const before = streamIds();
    // The handler stops at "stop"; "late" and the CloseSend still arrive after its Trailer.
    const early = await server.dialer.openCall(1, ECHO, { signal: new AbortController().signal });
    early.sendMessage(Buffer.from('x'));
    early.sendMessage(Buffer.from('stop'));
    const answer: string[] = [];
    for await (const m of early.messages) answer.push(Buffer.from(m).toString());
    expect(answer).toEqual(['x']);
    early.sendMessage(Buffer.from('late'));
    expect(await call(['next'])).toEqual(['next']);
    // kas half-closes a call that ended before its caller did, so an answer without a CloseSend is fine too.
    expect(await call(['stop'], { closeSend: false })).toEqual(['']);
    expect(await call(['last'])).toEqual(['last']);
    expect(streamIds()).toEqual(before);
  });

  it('end the stream of a cancelled call; the pool keeps serving on another', async () => {
    const c = await server.dialer.openCall(1, ECHO, { signal: new AbortController().signal });
    const carrier = server.registry.allTunnels().find((t) => t.state === 'forwarding')!.id;
    c.sendMessage(Buffer.from('never answered'));
    c.cancel('test cancels');
    await expect(c.trailer).rejects.toThrow('test cancels');
    expect(await call(['after'])).toEqual(['after']);
    expect(streamIds()).not.toContain(carrier);
    expect(served.at(-1)).toBe('after');
  });
});

describe('an idle stream agentk sheds (pool shrink, agentk stopping)', () => {
  /** One AgentTunnel of agent 2, outside any pool, and how it ended. */
  async function openOne() {
    let end: TunnelEnd | null = null;
    let accepted = false;
    const tunnel = new AgentTunnel({
      client,
      metadata: () => bearer('token-2'),
      handlers,
      podId: 2,
      logger: pino({ level: 'silent' }),
      events: {
        accepted: () => (accepted = true),
        activated: () => undefined,
        idleAgain: () => undefined,
        keepsStream: () => true,
        ended: (e) => (end = e),
      },
    });
    while (!accepted || server.dialer.streamCounts(2).idle < 1) await new Promise((r) => setTimeout(r, 5));
    const ended = async () => {
      while (!end) await new Promise((r) => setTimeout(r, 5));
      return end;
    };
    return { tunnel, ended };
  }

  it('ends when kas answers its Release, and kas no longer offers it', async () => {
    const { tunnel, ended } = await openOne();
    expect(tunnel.close()).toBe(true);
    expect(tunnel.close()).toBe(false);
    expect(await ended()).toEqual({ kind: 'closed' });
    expect(server.dialer.streamCounts(2).idle).toBe(0);
  });

  it('serves a call kas sent as agentk released the stream, as the last on it', async () => {
    const { tunnel, ended } = await openOne();
    // kas takes the idle stream and sends RequestInfo in the same turn as agentk sends Release: they cross.
    const answer = call(['crossed'], { agentId: 2 });
    expect(tunnel.close()).toBe(true);
    expect(await answer).toEqual(['crossed']);
    expect(await ended()).toEqual({ kind: 'served' });
    expect(server.dialer.streamCounts(2)).toMatchObject({ idle: 0, active: 0 });
  });
});
