// A TCP relay between the console and kas that a test can shut and open again: while shut, every connection
// (new or open) is cut, as when kas's host goes away, and kas itself keeps its state for when the gate opens.
import net from 'node:net';

export interface KasGate {
  /** http://127.0.0.1:<port>, to point the console at instead of kas. */
  url: string;
  /** Cuts every open connection and refuses new ones until open(). */
  shut(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startKasGate(kasUrl: string): Promise<KasGate> {
  const target = new URL(kasUrl);
  const sockets = new Set<net.Socket>();
  let shut = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (shut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', cut).once('close', cut);
    upstream.once('error', cut).once('close', cut);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    shut() {
      shut = true;
      for (const socket of sockets) socket.destroy();
    },
    open() {
      shut = false;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
