import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentStreamLimitError,
  TunnelCallError,
  type AgentDialer,
} from '../../reverse_tunnel/shared/tunnel-api';
import { directDialerForTests } from '../shared/testing/direct-tunnel-pair';
import { testCaller } from '../shared/testing/authorized-caller';
import {
  decodeRequest,
  encodeResponseData,
  encodeResponseHeader,
  encodeResponseTrailer,
} from '../shared/http-frames';
import { startKubernetesApiProxy, type KubernetesApiProxy } from './proxy-server';
import { GrpcStatus } from '../../shared/grpc-status';

const allowAll = async (c: { agentId: number }) => testCaller({ agentId: c.agentId });

let proxy: KubernetesApiProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

function get(p: KubernetesApiProxy, path: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    https
      .get(
        `${p.url}${path}`,
        { ca: p.caPem ?? undefined, headers: { authorization: 'Bearer pat:3:t' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', (e) => resolve({ status: res.statusCode ?? 0, body, error: e.message }));
        },
      )
      .on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

describe('proxy error mapping', () => {
  it('answers 429 with the limit when the agent is at its stream limit', async () => {
    const dialer: AgentDialer = {
      openCall: async (agentId) => {
        throw new AgentStreamLimitError(agentId, 500);
      },
      streamCounts: () => ({ idle: 0, active: 500, limit: 500 }),
    };
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: allowAll });
    const answer = await get(proxy, '/api');
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body)).toMatchObject({ reason: 'TooManyRequests', code: 429 });
    expect(JSON.parse(answer.body).message).toContain(
      'agent 3 reached its limit of 500 concurrent tunnel streams',
    );
  });

  it('answers 502 naming the agent when the call fails before any response', async () => {
    const dialer = directDialerForTests(
      async (call) => call.fail({ code: GrpcStatus.INTERNAL, message: 'handler exploded' }),
      new Set([3]),
    );
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: allowAll });
    const answer = await get(proxy, '/api');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).message).toBe('agent 3 failed the request: handler exploded');
  });

  it('ends a watch that breaks mid-stream with an ERROR event carrying a Status', async () => {
    const dialer = directDialerForTests(
      async (call) => {
        await call.sendMessage(
          encodeResponseHeader({
            statusCode: 200,
            status: 'OK',
            header: { 'content-type': { value: ['application/json'] } },
          }),
        );
        await call.sendMessage(encodeResponseData(Buffer.from('{"type":"ADDED","object":{}}\n')));
        call.fail({ code: GrpcStatus.UNAVAILABLE, message: 'tunnel broke' });
      },
      new Set([3]),
    );
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: allowAll });
    const answer = await get(proxy, '/api/v1/pods?watch=true');
    expect(answer.status).toBe(200);
    const lines = answer.body.trim().split('\n');
    expect(lines[0]).toBe('{"type":"ADDED","object":{}}');
    const event = JSON.parse(lines[1]!);
    expect(event.type).toBe('ERROR');
    expect(event.object).toMatchObject({ kind: 'Status', code: 503 });
    expect(event.object.message).toContain(
      `agent 3 stopped serving this stream: ${new TunnelCallError({ code: GrpcStatus.UNAVAILABLE, message: 'tunnel broke' }).message}`,
    );
  });

  it('sends a GET again when its tunnel ends before the agent answered (agentk closing an idle tunnel)', async () => {
    let attempts = 0;
    const dialer = directDialerForTests(
      async (call) => {
        if (++attempts === 1)
          return call.fail({ code: GrpcStatus.UNAVAILABLE, message: 'agentk closed the tunnel stream' });
        await call.sendMessage(
          encodeResponseHeader({
            statusCode: 200,
            status: 'OK',
            header: { 'content-type': { value: ['text/plain'] } },
          }),
        );
        await call.sendMessage(encodeResponseData(Buffer.from('answered')));
        await call.sendMessage(encodeResponseTrailer());
        call.finish();
      },
      new Set([3]),
    );
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: allowAll });
    expect(await get(proxy, '/api')).toEqual({ status: 200, body: 'answered' });
    expect(attempts).toBe(2);
  });

  it('resumes a broken watch from the last resourceVersion through a new call: one stream, whole events', async () => {
    const event = (rv: string) => `{"type":"MODIFIED","object":{"metadata":{"resourceVersion":"${rv}"}}}\n`;
    const versionsAsked: (string | undefined)[] = [];
    const dialer = directDialerForTests(
      async (call) => {
        for await (const bytes of call.messages) {
          const m = decodeRequest(bytes);
          if (m.$case === 'header') versionsAsked.push(m.value.request?.query['resourceVersion']?.value[0]);
        }
        const first = versionsAsked.length === 1;
        await call.sendMessage(
          encodeResponseHeader({
            statusCode: 200,
            status: 'OK',
            header: { 'content-type': { value: ['application/json'] } },
          }),
        );
        if (first) {
          // One whole event, then half of the next: the tunnel breaks mid-event.
          await call.sendMessage(encodeResponseData(Buffer.from(event('11') + event('12').slice(0, 20))));
          return call.fail({ code: GrpcStatus.UNAVAILABLE, message: 'the connection reached its max age' });
        }
        await call.sendMessage(encodeResponseData(Buffer.from(event('12') + event('13'))));
        await call.sendMessage(encodeResponseTrailer());
        call.finish();
      },
      new Set([3]),
    );
    proxy = await startKubernetesApiProxy({ port: 0, dialer, authenticate: allowAll });
    const answer = await get(proxy, '/api/v1/configmaps?watch=true&resourceVersion=10');
    expect(answer).toEqual({ status: 200, body: event('11') + event('12') + event('13') });
    expect(versionsAsked).toEqual(['10', '11']);
  });
});
