// agentk's receptive listener (issue 15; docs/agentk.md, "Receptive mode"): kas dials here, proves itself with a
// JWT (the preface line) or a client certificate from the configured CA, and then the accepted connection becomes
// the channel agentk's usual gRPC clients use — registration, configuration, tunnels and live objects run over it
// unchanged. The hand-over is local: agentk's channel dials a private Unix socket (`channelTarget`) and each local
// connection is joined to the newest authenticated kas connection. A newer kas connection replaces the current one
// (kas dials only while it holds the agent's lease, so a new dial means a new owner, or the old link is dead).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { listenForErrors } from '../../shared/streams';
import { MAX_PREFACE_BYTES, parsePreface, PREFACE_OK, PREFACE_TIMEOUT_MS, readLine } from '../shared/preface';
import { JwtRejectedError, ReceptiveJwtVerifier } from './jwt-verifier';

export interface ReceptiveListenerOptions {
  /** `host:port` or `:port` (every interface). */
  listenAddress: string;
  certPem: string | Buffer;
  keyPem: string | Buffer;
  auth: { jwtPublicKeyPem: string | Buffer } | { clientCaPem: string | Buffer };
  /** When known, a JWT must be for this agent (`sub: agent:<id>`). */
  agentId?: number;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  now?: () => number;
}

/** A local connection of agentk's channel waits this long for kas to dial before grpc-js is told to retry. */
const LOCAL_WAIT_MS = 20_000;
/** Accepted kas connections still in their handshake, at most (a flood is refused at TLS). */
const MAX_HANDSHAKES = 16;

export class ReceptiveListener {
  private readonly server: tls.Server;
  private readonly local: net.Server;
  private readonly dir: string;
  private readonly verifier: ReceptiveJwtVerifier | null;
  private waitingKas: tls.TLSSocket | null = null;
  private readonly waitingLocal = new Set<net.Socket>();
  private readonly joined = new Set<net.Socket | tls.TLSSocket>();
  private handshakes = 0;
  private closed = false;
  /** `unix:<path>`: the target of agentk's gRPC channel (insecure: the kas link itself is TLS). */
  readonly channelTarget: string;
  private readonly socketPath: string;

  constructor(private readonly options: ReceptiveListenerOptions) {
    this.verifier =
      'jwtPublicKeyPem' in options.auth
        ? new ReceptiveJwtVerifier({
            publicKeyPem: options.auth.jwtPublicKeyPem,
            ...(options.agentId !== undefined && { agentId: options.agentId }),
            ...(options.now && { now: options.now }),
          })
        : null;
    const mtls = 'clientCaPem' in options.auth;
    this.server = tls.createServer({
      cert: options.certPem,
      key: options.keyPem,
      minVersion: 'TLSv1.2',
      ...(mtls && {
        ca: (options.auth as { clientCaPem: string | Buffer }).clientCaPem,
        requestCert: true,
        rejectUnauthorized: true,
      }),
      handshakeTimeout: PREFACE_TIMEOUT_MS,
    });
    this.server.on('secureConnection', (socket) => void this.accept(socket));
    this.server.on('tlsClientError', (error, socket) => {
      this.refused(socket, `TLS: ${error.message}`);
    });
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-agentk-receptive-'));
    fs.chmodSync(this.dir, 0o700);
    this.socketPath = path.join(this.dir, 'kas.sock');
    this.channelTarget = `unix:${this.socketPath}`;
    this.local = net.createServer((socket) => this.localConnection(socket));
  }

  /** Binds both; resolves with the receptive port. */
  async start(): Promise<{ port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.local.once('error', reject);
      this.local.listen(this.socketPath, () => resolve());
    });
    fs.chmodSync(this.socketPath, 0o600);
    const { host, port } = parseListenAddress(this.options.listenAddress);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error) =>
        reject(
          new Error(
            `--receptive-listen-address ${this.options.listenAddress}: cannot listen: ${(error as Error).message}`,
          ),
        ),
      );
      this.server.listen({ host, port }, () => resolve());
    });
    const bound = (this.server.address() as net.AddressInfo).port;
    this.options.logger.info(
      { address: this.options.listenAddress, port: bound, auth: this.verifier ? 'jwt' : 'mtls' },
      'receptive listener: waiting for kas to dial',
    );
    return { port: bound };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waitingKas?.destroy();
    for (const s of [...this.waitingLocal, ...this.joined]) s.destroy();
    await Promise.all([
      new Promise<void>((r) => this.server.close(() => r())),
      new Promise<void>((r) => this.local.close(() => r())),
    ]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private refused(socket: net.Socket, why: string): void {
    this.options.logger.warn(
      { remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: why },
      'receptive listener: refused a connection',
    );
    socket.destroy();
  }

  private async accept(socket: tls.TLSSocket): Promise<void> {
    listenForErrors(socket);
    if (this.closed || this.handshakes >= MAX_HANDSHAKES)
      return this.refused(socket, 'too many handshakes at once');
    this.handshakes++;
    let probe = false;
    try {
      const line = await readLine(socket, MAX_PREFACE_BYTES, PREFACE_TIMEOUT_MS);
      const { jwt, probe: isProbe } = parsePreface(line);
      if (this.verifier) {
        if (!jwt) throw new JwtRejectedError('no JWT in the handshake (is kas configured for mTLS instead?)');
        this.verifier.verify(jwt);
      }
      probe = isProbe;
      socket.write(PREFACE_OK);
    } catch (error) {
      return this.refused(socket, (error as Error).message);
    } finally {
      this.handshakes--;
    }
    if (probe) {
      // Test connection: the handshake is proven; the link that serves stays.
      this.options.logger.info(
        { remote: `${socket.remoteAddress}:${socket.remotePort}` },
        'receptive listener: kas tested the connection (Test connection)',
      );
      socket.end();
      return;
    }
    this.options.logger.info(
      { remote: `${socket.remoteAddress}:${socket.remotePort}` },
      'receptive listener: kas connected',
    );
    // The newest kas connection serves: an older one (waiting or joined) ends, and agentk's channel reconnects.
    this.waitingKas?.destroy();
    for (const s of this.joined) s.destroy();
    const local = this.waitingLocal.values().next().value;
    if (local) {
      this.waitingLocal.delete(local);
      this.join(local, socket);
    } else {
      this.waitingKas = socket;
      socket.once('close', () => {
        if (this.waitingKas === socket) this.waitingKas = null;
      });
    }
  }

  private localConnection(local: net.Socket): void {
    listenForErrors(local);
    const kas = this.waitingKas;
    if (kas && !kas.destroyed) {
      this.waitingKas = null;
      return this.join(local, kas);
    }
    // grpc-js retries a connection that fails; one that hangs would wait for its own deadline.
    this.waitingLocal.add(local);
    const timer = setTimeout(() => local.destroy(), LOCAL_WAIT_MS);
    local.once('close', () => {
      clearTimeout(timer);
      this.waitingLocal.delete(local);
    });
  }

  private join(local: net.Socket, kas: tls.TLSSocket): void {
    this.joined.add(local);
    this.joined.add(kas);
    const end = () => {
      local.destroy();
      kas.destroy();
      this.joined.delete(local);
      this.joined.delete(kas);
    };
    local.once('close', end);
    kas.once('close', end);
    local.pipe(kas);
    kas.pipe(local);
    kas.resume();
  }
}

/** `:8082`, `0.0.0.0:8082`, `[::1]:8082` → host and port. */
export function parseListenAddress(address: string): { host?: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--receptive-listen-address: expected host:port or :port, e.g. :8082 (got ${address})`);
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host ? { host, port } : { port };
}
