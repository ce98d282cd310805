import { describe, expect, it } from 'vitest';

import { fetchLogOverWebSocket, LOG_WEBSOCKET_PROTOCOL } from './log-websocket';

/** A fake of the browser's WebSocket (Node 20 has none): the test drives its events. */
class FakeSocket {
  binaryType = 'blob';
  closedWith: number | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer | string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  close(code: number) {
    this.closedWith = code;
  }
  send(bytes: string) {
    this.onmessage?.({ data: new TextEncoder().encode(bytes).buffer });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const fallbacks: AbortSignal[] = [];
  const deps = {
    open: (url: string, protocols: string[]) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    fallback: async (signal: AbortSignal) => {
      fallbacks.push(signal);
      return new Response('{"message":"pods \\"p\\" is forbidden"}', { status: 403 });
    },
  };
  return { sockets, fallbacks, deps };
}

describe('fetchLogOverWebSocket', () => {
  it('streams binary messages as the body and ends at a clean close', async () => {
    const { sockets, fallbacks, deps } = harness();
    const answer = fetchLogOverWebSocket('ws://console/log', new AbortController().signal, deps);
    const socket = sockets[0]!;
    expect(socket.protocols).toEqual([LOG_WEBSOCKET_PROTOCOL]);
    expect(socket.binaryType).toBe('arraybuffer');
    socket.onopen?.();
    const response = await answer;
    expect(response.status).toBe(200);
    socket.send('line one\n');
    socket.send('line two\n');
    socket.onclose?.({ code: 1000 });
    expect(await response.text()).toBe('line one\nline two\n');
    expect(fallbacks).toHaveLength(0);
  });

  it("asks over plain HTTP when the socket fails before opening, so the cluster's refusal is read", async () => {
    const { sockets, fallbacks, deps } = harness();
    const answer = fetchLogOverWebSocket('ws://console/log', new AbortController().signal, deps);
    sockets[0]!.onclose?.({ code: 1006 });
    const response = await answer;
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('forbidden');
    expect(fallbacks).toHaveLength(1);
  });

  it('errors the body when the socket is cut after opening (the session follows the log again)', async () => {
    const { sockets, deps } = harness();
    const answer = fetchLogOverWebSocket('ws://console/log', new AbortController().signal, deps);
    sockets[0]!.onopen?.();
    const reader = (await answer).body!.getReader();
    sockets[0]!.send('partial');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('partial');
    sockets[0]!.onclose?.({ code: 1006 });
    await expect(reader.read()).rejects.toThrow('code 1006');
  });

  it('closes the socket when the page aborts, before or after it opened', async () => {
    const { sockets, fallbacks, deps } = harness();
    const early = new AbortController();
    const pending = fetchLogOverWebSocket('ws://console/a', early.signal, deps);
    early.abort(new Error('left the page'));
    await expect(pending).rejects.toThrow('left the page');
    expect(sockets[0]!.closedWith).toBe(1000);
    sockets[0]!.onclose?.({ code: 1006 });
    expect(fallbacks).toHaveLength(0);

    const late = new AbortController();
    const open = fetchLogOverWebSocket('ws://console/b', late.signal, deps);
    sockets[1]!.onopen?.();
    const reader = (await open).body!.getReader();
    late.abort(new Error('changed the tail size'));
    await expect(reader.read()).rejects.toThrow('changed the tail size');
    expect(sockets[1]!.closedWith).toBe(1000);
  });
});
