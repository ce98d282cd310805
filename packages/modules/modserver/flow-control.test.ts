import { Server } from '@grpc/grpc-js';
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { bindInsecureLoopback } from '../shared/testing/loopback';
import { setConnectionWindow, setStreamWindow } from './flow-control';

const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.forceShutdown();
});

function bound(server: Server): Promise<number> {
  servers.push(server);
  return bindInsecureLoopback(server);
}

/** What a real HTTP/2 client sees from the server: its SETTINGS and the connection window it grants. */
async function announced(port: number): Promise<{ streamWindow: number; connectionWindow: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    });
    // The connection WINDOW_UPDATE follows the SETTINGS frame; a ping round trip makes sure it has arrived.
    await new Promise<void>((resolve, reject) =>
      session.ping((error) => (error ? reject(error) : resolve())),
    );
    return {
      streamWindow: settings.initialWindowSize ?? 65_535,
      connectionWindow: session.state.remoteWindowSize ?? 65_535,
    };
  } finally {
    session.close();
  }
}

describe('agent API flow-control window', () => {
  it('announces the widened stream and connection windows to a connecting peer', async () => {
    const server = new Server();
    setStreamWindow(server, STREAM_WINDOW);
    const port = await bound(server);
    setConnectionWindow(server, CONNECTION_WINDOW);
    expect(await announced(port)).toEqual({
      streamWindow: STREAM_WINDOW,
      connectionWindow: CONNECTION_WINDOW,
    });
  });

  it('leaves the HTTP/2 defaults alone when not applied', async () => {
    const port = await bound(new Server());
    expect(await announced(port)).toEqual({ streamWindow: 65_535, connectionWindow: 65_535 });
  });
});
