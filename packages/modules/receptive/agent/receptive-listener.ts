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
  /**
   * How long a connection may take for TLS, and then again for its handshake line, before it is closed; default
   * PREFACE_TIMEOUT_MS (tests set it small).
   */
  handshakeTimeoutMs?: number;
  /** How long a local connection of agentk's channel waits for kas; default LOCAL_WAIT_MS (tests set it small). */
  localWaitMs?: number;
}

/** A local connection of agentk's channel waits this long for kas to dial before grpc-js is told to retry. */
const LOCAL_WAIT_MS = 20_000;
/**
 * Connections not yet authenticated (in TLS or the handshake line), at most: one more is closed as soon as it is
 * accepted, before TLS. kas needs one connection, and an authenticated one replaces the one before it, so the
 * listener holds at most this many plus one; a flood cannot take the established kas link down.
 */
export const MAX_PENDING_CONNECTIONS = 16;
/** Refusals for being over MAX_PENDING_CONNECTIONS are logged at most this often (with their count), not each. */
const OVER_LIMIT_LOG_EVERY_MS = 10_000;

export class ReceptiveListener {
  private readonly server: tls.Server;
  private readonly local: net.Server;
  private readonly dir: string;
  private readonly verifier: ReceptiveJwtVerifier | null;
  private waitingKas: tls.TLSSocket | null = null;
  /** Local connections waiting for kas, each with the timer that gives up on it (cleared when it is joined). */
  private readonly waitingLocal = new Map<net.Socket, NodeJS.Timeout>();
  private readonly joined = new Set<net.Socket | tls.TLSSocket>();
  private closed = false;
  private overLimit = { count: 0, loggedAt: 0 };
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
      handshakeTimeout: options.handshakeTimeoutMs ?? PREFACE_TIMEOUT_MS,
    });
    // Node closes a connection over the limit before TLS ('drop'); the established kas link counts as the one extra.
    this.server.maxConnections = MAX_PENDING_CONNECTIONS + 1;
    this.server.on('drop', (peer) => this.droppedOverLimit(peer));
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
    for (const s of [...this.waitingLocal.keys(), ...this.joined]) s.destroy();
    await Promise.all([
      new Promise<void>((r) => this.server.close(() => r())),
      new Promise<void>((r) => this.local.close(() => r())),
    ]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Connections open now: the kas link (when up), those in their handshake, and those closing. */
  openConnections(): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
  }

  private droppedOverLimit(peer?: { remoteAddress?: string; remotePort?: number }): void {
    this.overLimit.count++;
    const now = Date.now();
    if (now - this.overLimit.loggedAt < OVER_LIMIT_LOG_EVERY_MS) return;
    this.options.logger.warn(
      {
        remote: `${peer?.remoteAddress}:${peer?.remotePort}`,
        refused: this.overLimit.count,
        reason: `more than ${MAX_PENDING_CONNECTIONS} connections in their handshake at once`,
      },
      'receptive listener: refused connections over the limit',
    );
    this.overLimit = { count: 0, loggedAt: now };
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
    if (this.closed) return this.refused(socket, 'the listener is closing');
    let probe = false;
    try {
      const line = await readLine(
        socket,
        MAX_PREFACE_BYTES,
        this.options.handshakeTimeoutMs ?? PREFACE_TIMEOUT_MS,
      );
      const { jwt, probe: isProbe } = parsePreface(line);
      if (this.verifier) {
        if (!jwt) throw new JwtRejectedError('no JWT in the handshake (is kas configured for mTLS instead?)');
        this.verifier.verify(jwt);
      }
      probe = isProbe;
      socket.write(PREFACE_OK);
    } catch (error) {
      return this.refused(socket, (error as Error).message);
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
    const waiting = this.waitingLocal.entries().next().value;
    if (waiting) {
      const [local, giveUp] = waiting;
      clearTimeout(giveUp);
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
    const timer = setTimeout(() => local.destroy(), this.options.localWaitMs ?? LOCAL_WAIT_MS);
    this.waitingLocal.set(local, timer);
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
