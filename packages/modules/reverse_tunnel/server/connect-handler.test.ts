// Connect over a real gRPC server on loopback: a stream agentk cancels while kas is still checking its token must
// not keep a reservation (or become an idle tunnel) of the agent.
import { Metadata } from '@grpc/grpc-js';
import { ReverseTunnelClient, ReverseTunnelService } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenCheckHeldUntilCancel } from '../../modserver/testing/token-check-held-until-cancel';
import { insecureLoopbackGrpc } from '../../shared/testing/loopback';
import { createConnectHandler } from './connect-handler';
import { ConnectionAges } from './connection-ages';
import { createAgentApiMetrics } from './metrics';
import { TunnelRegistry } from './registry';
import type { ServerTunnel } from './server-tunnel';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('Connect', () => {
  it('observes a cancellation that happens while the token is being checked', async () => {
    const registry = new TunnelRegistry<ServerTunnel>({ streamLimit: () => 10 });
    // The token check answers only after grpc-js told the server that agentk cancelled.
    const tokenCheck = tokenCheckHeldUntilCancel({ agentId: 7, tokenId: 70, projectId: 1 });
    const handler = createConnectHandler({
      registry,
      authenticate: tokenCheck.authenticate,
      metrics: createAgentApiMetrics(new Registry(), registry),
      logger: pino({ level: 'silent' }),
      idleTunnelMaxAgeMs: 60_000,
      connectionAges: new ConnectionAges(),
      descriptorTimeoutMs: 60_000,
      isRevoked: () => false,
    });
    const { client, close } = await insecureLoopbackGrpc(
      ReverseTunnelService,
      { connect: tokenCheck.watching(handler) },
      ReverseTunnelClient,
    );
    cleanups.push(close);

    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t');
    const stream = client.connect(metadata);
    stream.on('error', () => undefined);
    stream.write({
      msg: {
        $case: 'descriptor',
        value: { podId: 5, agentDescriptor: { services: [] }, reusable: false, batches: false },
      },
    });
    // Cancel while the token check is pending.
    await tokenCheck.authenticating;
    stream.cancel();
    await tokenCheck.resumed;
    // The handler ran to its end (a macrotask after the token check answered): nothing is held for agent 7.
    expect(registry.counts(7)).toMatchObject({ idle: 0, active: 0, pending: 0 });
    expect(registry.allTunnels()).toEqual([]);
  });
});
