// Connect over a real gRPC server on loopback: a stream agentk cancels while kas is still checking its token must
// not keep a reservation (or become an idle tunnel) of the agent.
import { credentials, Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import { ReverseTunnelClient, ReverseTunnelService } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectHandler } from './connect-handler';
import { ConnectionAges } from './connection-ages';
import { createAgentApiMetrics } from './metrics';
import { TunnelRegistry } from './registry';
import type { ConnectStream, ServerTunnel } from './server-tunnel';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('Connect', () => {
  it('observes a cancellation that happens while the token is being checked', async () => {
    const registry = new TunnelRegistry<ServerTunnel>({ streamLimit: () => 10 });
    let serverSawCancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
    let authStarted!: () => void;
    const authenticating = new Promise<void>((resolve) => (authStarted = resolve));
    let handlerResumed!: () => void;
    const resumed = new Promise<void>((resolve) => (handlerResumed = resolve));
    const handler = createConnectHandler({
      registry,
      // The token check answers only after grpc-js told the server that agentk cancelled.
      authenticate: async () => {
        authStarted();
        await cancelled;
        setImmediate(handlerResumed);
        return { agentId: 7, tokenId: 70, projectId: 1 };
      },
      metrics: createAgentApiMetrics(new Registry(), registry),
      logger: pino({ level: 'silent' }),
      idleTunnelMaxAgeMs: 60_000,
      connectionAges: new ConnectionAges(),
      descriptorTimeoutMs: 60_000,
      isRevoked: () => false,
    });
    const server = new Server();
    server.addService(ReverseTunnelService, {
      connect: (stream: ConnectStream) => {
        stream.on('cancelled', serverSawCancel);
        handler(stream);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    cleanups.push(() => server.forceShutdown());
    const client = new ReverseTunnelClient(`127.0.0.1:${port}`, credentials.createInsecure());
    cleanups.push(() => client.close());

    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t');
    const stream = client.connect(metadata);
    stream.on('error', () => undefined);
    stream.write({
      msg: { $case: 'descriptor', value: { podId: 5, agentDescriptor: { services: [] }, reusable: false } },
    });
    // Cancel while the token check is pending.
    await authenticating;
    stream.cancel();
    await resumed;
    // The handler ran to its end (a macrotask after the token check answered): nothing is held for agent 7.
    expect(registry.counts(7)).toMatchObject({ idle: 0, active: 0, pending: 0 });
    expect(registry.allTunnels()).toEqual([]);
  });
});
