// Connections kas dialed itself (receptive agents), handed to the agent API server with the agent they were dialed
// for. grpc-js tells a call's connection only by `call.getPeer()`, `<remoteAddress>:<remotePort>` of the socket
// HTTP/2 runs on — and a stream wrapper (what the receptive dialer has after reading its handshake) has none: Node
// wraps it in a socket without an address. So each link crosses a private loopback hop: the dialed stream is piped
// into a TCP connection to a listener on 127.0.0.1, and the accepted end, a real socket with a unique peer
// `127.0.0.1:<port>`, is what HTTP/2 serves. The listener accepts only the connections it is waiting for.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { listenForErrors } from '../shared/streams';

export interface InjectedConnectionOwner {
  agentId: number;
  /** Told (once per call refused) when a call on this link carries a token of another agent. */
  onWrongAgent?: (tokenAgentId: number) => void;
}

/** A link whose hop is not accepted within this time is dropped (the listener is local: it is at once). */
const ACCEPT_TIMEOUT_MS = 5_000;
/** Accepted connections no hop has claimed yet, at most (a local process connecting in a loop cannot grow it). */
const MAX_UNCLAIMED = 64;

export class InjectedConnections {
  private server: net.Server | null = null;
  private listening: Promise<number> | null = null;
  /** Hops dialed and not yet accepted, by their local port. */
  private readonly pending = new Map<number, (accepted: net.Socket) => void>();
  /**
   * Accepted before their hop's 'connect' was seen, by remote port (bounded: MAX_UNCLAIMED), each with the timer that
   * drops it unless a hop claims it; claiming clears the timer.
   */
  private readonly unclaimed = new Map<number, { socket: net.Socket; timer: NodeJS.Timeout }>();
  /** Accepted hops by peer name, with whom they were dialed for. */
  private readonly owners = new Map<string, InjectedConnectionOwner>();

  constructor(
    private readonly serve: (socket: net.Socket) => void,
    private readonly acceptTimeoutMs = ACCEPT_TIMEOUT_MS,
  ) {}

  /** The loopback listener's port, once a link was added (tests: a stranger connecting there is dropped). */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  ownerOf(peer: string): InjectedConnectionOwner | undefined {
    return this.owners.get(peer);
  }

  /** Serves gRPC on `connection` (kas's side of a dialed link); resolves once it is handed to HTTP/2. */
  async add(connection: Duplex, owner: InjectedConnectionOwner): Promise<void> {
    // A stream wrapper errors when its socket closes under it ("premature close"); the close is what counts.
    listenForErrors(connection);
    const port = await this.listen();
    const hop = net.connect({ host: '127.0.0.1', port });
    listenForErrors(hop);
    await new Promise<void>((resolve, reject) => {
      hop.once('connect', resolve);
      hop.once('error', reject);
    });
    const localPort = hop.localPort!;
    const accepted = await new Promise<net.Socket>((resolve, reject) => {
      // The listener may have accepted the hop before its 'connect' reached us.
      const early = this.unclaimed.get(localPort);
      if (early) {
        this.unclaimed.delete(localPort);
        clearTimeout(early.timer);
        return resolve(early.socket);
      }
      const timer = setTimeout(() => {
        this.pending.delete(localPort);
        reject(new Error('the agent server did not accept the receptive link'));
      }, this.acceptTimeoutMs);
      this.pending.set(localPort, (socket) => {
        clearTimeout(timer);
        resolve(socket);
      });
    }).catch((error: unknown) => {
      hop.destroy();
      connection.destroy();
      throw error;
    });
    const peer = `${accepted.remoteAddress}:${accepted.remotePort}`;
    this.owners.set(peer, owner);
    const end = () => {
      connection.destroy();
      hop.destroy();
      accepted.destroy();
      if (this.owners.get(peer) === owner) this.owners.delete(peer);
    };
    connection.once('close', end);
    hop.once('close', end);
    accepted.once('close', end);
    connection.pipe(hop);
    hop.pipe(connection);
    this.serve(accepted);
  }

  /** Stops accepting hops (kas stopping); links already served end with their connections. */
  close(): void {
    this.server?.close();
    this.server = null;
    this.listening = null;
  }

  private listen(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = net.createServer((socket) => {
        listenForErrors(socket);
        const port = socket.remotePort ?? -1;
        if (socket.remoteAddress !== '127.0.0.1' || this.unclaimed.size >= MAX_UNCLAIMED) {
          socket.destroy();
          return;
        }
        const take = this.pending.get(port);
        if (take) {
          this.pending.delete(port);
          take(socket);
          return;
        }
        // Ours if a hop from that port claims it shortly; anything else (another local process) is dropped.
        const timer = setTimeout(() => {
          this.unclaimed.delete(port);
          socket.destroy();
        }, this.acceptTimeoutMs);
        timer.unref();
        this.unclaimed.set(port, { socket, timer });
        socket.once('close', () => {
          clearTimeout(timer);
          if (this.unclaimed.get(port)?.socket === socket) this.unclaimed.delete(port);
        });
      });
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () =>
        resolve((server.address() as net.AddressInfo).port),
      );
      server.unref();
      this.server = server;
    });
    return this.listening;
  }
}
