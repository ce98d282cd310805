import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeGracefully, listen } from './listen';

describe('closeGracefully', () => {
  it('finishes requests in flight, then refuses new connections', async () => {
    let received = 0;
    let allReceived!: () => void;
    const gate = new Promise<void>((resolve) => (allReceived = resolve));
    const server = http.createServer((_req, res) => {
      received++;
      if (received === 3) allReceived();
      setTimeout(() => res.end('done'), 300);
    });
    const port = await listen(server, '127.0.0.1', 0);
    const url = `http://127.0.0.1:${port}/`;
    const inFlight = [1, 2, 3].map(() => fetch(url).then((r) => r.text()));
    await gate;
    const closed = closeGracefully(server, 5_000);
    expect(await Promise.all(inFlight)).toEqual(['done', 'done', 'done']);
    await closed;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('cuts connections still open after the grace period', async () => {
    const server = http.createServer(() => {
      // never answers
    });
    const port = await listen(server, '127.0.0.1', 0);
    const hanging = fetch(`http://127.0.0.1:${port}/`).catch((err: unknown) => err);
    await new Promise<void>((resolve) => server.once('request', () => resolve()));
    // Resolving at all is the assertion: without the cut, close() would wait for the request forever (the test
    // would time out); no clock is read, so a loaded machine cannot make it flaky.
    await closeGracefully(server, 300);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it('names the port when it is taken', async () => {
    const first = http.createServer();
    const port = await listen(first, '127.0.0.1', 0);
    await expect(listen(http.createServer(), '127.0.0.1', port)).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use; pick another port or set it to 0`,
    );
    await closeGracefully(first);
  });
});
