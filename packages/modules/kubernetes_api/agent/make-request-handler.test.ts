// agentk's MakeRequest handler against a real local socket server standing in for an API server that misbehaves.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingCall } from '../../reverse_tunnel/shared/tunnel-api';
import { AsyncQueue } from '../../shared/async-queue';
import { decodeResponse, encodeRequestHeader, encodeRequestTrailer } from '../shared/http-frames';
import type { KubeApiTarget } from './kube-api-target';
import { makeRequestHandler } from './make-request-handler';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Answers the first request on each connection with a 101, then resets the connection when told to. */
async function resettingUpgradeServer() {
  let upgradedSocket!: (socket: net.Socket) => void;
  const upgraded = new Promise<net.Socket>((resolve) => (upgradedSocket = resolve));
  const server = net.createServer((socket) => {
    let request = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n',
        () => upgradedSocket(socket),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return {
    port: (server.address() as net.AddressInfo).port,
    upgraded,
    reset: async () => (await upgraded).resetAndDestroy(),
  };
}

function targetFor(port: number): KubeApiTarget {
  const agent = new http.Agent();
  cleanups.push(() => agent.destroy());
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    agent,
    tls: {},
    authHeaders: async () => ({}),
    close: () => undefined,
  };
}

/** The agent side of one tunnel call whose kas side is not reading: every sendMessage waits until released. */
function stalledCall() {
  const requests = new AsyncQueue<Uint8Array>();
  const sent: Uint8Array[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstSend!: () => void;
  const waitingForDrain = new Promise<void>((resolve) => (firstSend = resolve));
  let failed: { code: number; message: string } | null = null;
  const call: IncomingCall = {
    method: 'test',
    meta: {},
    messages: requests,
    signal: new AbortController().signal,
    sendHeader: () => undefined,
    sendMessage: async (data) => {
      sent.push(data);
      firstSend();
      await released;
    },
    finish: () => undefined,
    fail: (s) => (failed = s),
  };
  return { call, requests, sent, waitingForDrain, release, failed: () => failed };
}

describe('makeRequestHandler', () => {
  it('survives the API server resetting an upgraded connection while the tunnel waits for drain', async () => {
    const api = await resettingUpgradeServer();
    // The handler's socket to the API server, to wait until it has seen the reset.
    const sockets: net.Socket[] = [];
    const onSocket = (message: unknown) => sockets.push((message as { socket: net.Socket }).socket);
    subscribe('net.client.socket', onSocket);
    cleanups.push(() => unsubscribe('net.client.socket', onSocket));

    const tunnel = stalledCall();
    tunnel.requests.push(
      encodeRequestHeader({
        method: 'POST',
        urlPath: '/api/v1/namespaces/default/pods/p/exec',
        query: {},
        header: { connection: { value: ['Upgrade'] }, upgrade: { value: ['SPDY/3.1'] } },
        contentLength: 0,
      }),
    );
    tunnel.requests.push(encodeRequestTrailer());
    const handled = makeRequestHandler({ target: targetFor(api.port) })(tunnel.call);

    await api.upgraded;
    await tunnel.waitingForDrain;
    const socket = sockets.find((s) => s.remotePort === api.port);
    expect(socket).toBeDefined();
    const closed = new Promise((resolve) => socket!.once('close', resolve));
    await api.reset();
    // Before the fix the reset surfaced here as an uncaught ECONNRESET 'error' event (agentk crashed).
    await closed;
    expect(socket!.errored).toMatchObject({ code: 'ECONNRESET' });
    tunnel.release();
    await handled;
    const first = decodeResponse(tunnel.sent[0]!);
    expect(first.$case === 'header' && first.value.response?.statusCode).toBe(101);
  });
});
