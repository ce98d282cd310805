// GetConfiguration over a real gRPC server on loopback: a stream agentk cancels while kas is still checking its token
// must not stay open (subscribed, counted against the pod) until its maximum age.
import { Metadata } from '@grpc/grpc-js';
import {
  AgentConfigurationClient,
  AgentConfigurationService,
} from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenCheckHeldUntilCancel } from '../../modserver/testing/token-check-held-until-cancel';
import { insecureLoopbackGrpc } from '../../shared/testing/loopback';
import { NotifyingConfigSource } from './config-source';
import { type ConfigStreamHandle, createGetConfigurationHandler } from './configuration-service';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('GetConfiguration', () => {
  it('observes a cancellation that happens while the token is being checked', async () => {
    const source = new NotifyingConfigSource(async () => null);
    const openStreams = new Set<ConfigStreamHandle>();
    // The token check answers only after grpc-js told the server that agentk cancelled.
    const tokenCheck = tokenCheckHeldUntilCancel({ agentId: 7, tokenId: 70 });
    const handler = createGetConfigurationHandler({
      authenticate: tokenCheck.authenticate,
      source,
      logger: pino({ level: 'silent' }),
      maxStreamAgeMs: 60 * 60_000,
      openStreams,
    });
    const { client, close } = await insecureLoopbackGrpc(
      AgentConfigurationService,
      { getConfiguration: tokenCheck.watching(handler) },
      AgentConfigurationClient,
    );
    cleanups.push(close);

    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t');
    const stream = client.getConfiguration({ version: '', podId: 5 }, metadata);
    stream.on('error', () => undefined);
    await tokenCheck.authenticating;
    stream.cancel();
    await tokenCheck.resumed;
    // The handler ran to its end (a macrotask after the token check answered): no stream is left open.
    expect(openStreams.size).toBe(0);
    expect(source.subscriberCount(7)).toBe(0);
  });
});
