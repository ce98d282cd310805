import { afterEach, describe, expect, it } from 'vitest';
import { AgentNotConnectedError } from '../../reverse_tunnel/shared/tunnel-api';
import { GrpcStatus } from '../../shared/grpc-status';
import { makeRequestHandler } from '../agent/make-request-handler';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { startStandInApiServer, type StandInApiServer } from '../shared/testing/stand-in-api-server';
import { AgentResponseTooLargeError, kubeErrorMessage, requestThroughAgent } from './agent-request';

let api: StandInApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function agentFor(connected = new Set([4])) {
  api = await startStandInApiServer();
  return directDialerForTests(makeRequestHandler({ target: api.target }), connected);
}

describe('requestThroughAgent', () => {
  it("sends a JSON body with the impersonation, answered by the API server with agentk's credentials", async () => {
    const dialer = await agentFor();
    const answer = await requestThroughAgent(dialer, 4, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      query: { dryRun: 'All' },
      body: { spec: { user: 'alice' } },
      impersonation: { username: 'mooring:user:alice', uid: '', groups: ['mooring:user'], extra: [] },
    });
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body.toString())).toMatchObject({
      method: 'POST',
      url: '/apis/authorization.k8s.io/v1/subjectaccessreviews?dryRun=All',
      body: '{"spec":{"user":"alice"}}',
    });
    const seen = api!.seen.at(-1)!;
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer agent-sa-token',
      'content-type': 'application/json',
      'impersonate-user': 'mooring:user:alice',
      'impersonate-group': 'mooring:user',
    });
  });

  it('acts as the agent without an impersonation, and reads a refusal', async () => {
    const dialer = await agentFor();
    const answer = await requestThroughAgent(dialer, 4, { method: 'GET', path: '/forbidden' });
    expect(answer.statusCode).toBe(403);
    expect(api!.seen.at(-1)!.headers).not.toHaveProperty('impersonate-user');
    expect(kubeErrorMessage({ ...answer, body: Buffer.from('{"message":"pods is forbidden"}') })).toBe(
      'pods is forbidden',
    );
  });

  it('stops reading an answer longer than the limit', async () => {
    const dialer = await agentFor();
    const big = requestThroughAgent(dialer, 4, {
      method: 'GET',
      path: '/big',
      query: { bytes: String(3 * 1024 * 1024) },
      maxResponseBytes: 1024 * 1024,
    });
    await expect(big).rejects.toThrow(AgentResponseTooLargeError);
    await expect(big).rejects.toThrow('larger than 1048576 bytes');
  });

  it('names the agent when it is not connected or fails the call', async () => {
    const dialer = await agentFor(new Set());
    await expect(requestThroughAgent(dialer, 4, { method: 'GET', path: '/api' })).rejects.toThrow(
      AgentNotConnectedError,
    );
    const failing = directDialerForTests(
      async (call) => call.fail({ code: GrpcStatus.INTERNAL, message: 'handler exploded' }),
      new Set([4]),
    );
    await expect(requestThroughAgent(failing, 4, { method: 'GET', path: '/api' })).rejects.toThrow(
      'agent 4 failed the request: handler exploded',
    );
  });
});

describe('requestThroughAgent when the agent does not answer', () => {
  it('gives up when its signal aborts, cancelling the call', async () => {
    let cancelled = false;
    const silent = directDialerForTests(
      async (call) => {
        await new Promise<void>((resolve) =>
          call.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        cancelled = true;
        call.fail({ code: GrpcStatus.CANCELLED, message: 'cancelled' });
      },
      new Set([4]),
    );
    const abort = new AbortController();
    const pending = requestThroughAgent(silent, 4, { method: 'GET', path: '/api', signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toThrow('agent 4 did not answer GET /api in time');
    expect(cancelled).toBe(true);
  });
});
