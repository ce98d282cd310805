// The receptive listener over real loopback TLS: kas's side is played by a TLS client that writes the preface and
// then talks through; agentk's side by a connection to the listener's Unix socket (what its gRPC channel dials).
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from '../../shared/certificates';
import { until } from '../../shared/testing/until';
import { prefaceLine, PREFACE_OK } from '../shared/preface';
import { MAX_PENDING_CONNECTIONS, ReceptiveListener } from './receptive-listener';

const server = generateSelfSignedTls(['localhost']);
const keys = generateKeyPairSync('ed25519');

function kasJwt(): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg: 'EdDSA' })}.${enc({ iss: 'mooring-kas', aud: 'mooring-agentk', sub: 'agent:3', exp: now + 60, jti: randomUUID() })}`;
  return `${input}.${sign(null, Buffer.from(input), keys.privateKey).toString('base64url')}`;
}

const logs: string[] = [];
const logger = {
  info: () => undefined,
  warn: (o: object, m: string) => void logs.push(`${m} ${JSON.stringify(o)}`),
};
let listener: ReceptiveListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
  logs.length = 0;
});

async function start(limits: { handshakeTimeoutMs?: number; localWaitMs?: number } = {}): Promise<number> {
  listener = new ReceptiveListener({
    ...limits,
    listenAddress: '127.0.0.1:0',
    certPem: server.certPem,
    keyPem: server.keyPem,
    auth: { jwtPublicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }) },
    agentId: 3,
    logger,
  });
  return (await listener.start()).port;
}

function dialAsKas(port: number, jwt: string | null): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: server.caPem, servername: 'localhost' }, () => {
      socket.write(prefaceLine(jwt));
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

const firstBytes = (socket: net.Socket, n: number) =>
  new Promise<string>((resolve, reject) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= n) resolve(got);
    });
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
  });

const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('ReceptiveListener', () => {
  it("joins kas's authenticated connection to agentk's local channel, both ways", async () => {
    const port = await start();
    const kas = await dialAsKas(port, kasJwt());
    expect(await firstBytes(kas, PREFACE_OK.length)).toBe(PREFACE_OK);
    const local = net.connect(listener!.channelTarget.slice('unix:'.length));
    // (the first listener above has seen the OK; this one sees only what follows)
    const toKas = firstBytes(kas, 5);
    local.write('hello');
    expect(await toKas).toBe('hello');
    const toLocal = firstBytes(local, 5);
    kas.write('world');
    expect(await toLocal).toBe('world');
    kas.destroy();
    await closed(local);
  });

  it('closes a connection with a wrong or missing JWT without a word, and logs why', async () => {
    const port = await start();
    const other = generateKeyPairSync('ed25519').privateKey;
    const now = Math.floor(Date.now() / 1000);
    const input = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'mooring-kas', aud: 'mooring-agentk', sub: 'agent:3', exp: now + 60, jti: 'x' })).toString('base64url')}`;
    const forged = `${input}.${sign(null, Buffer.from(input), other).toString('base64url')}`;
    for (const jwt of [forged, null]) {
      const kas = await dialAsKas(port, jwt);
      let answer = '';
      kas.on('data', (d: Buffer) => (answer += d.toString()));
      await closed(kas);
      expect(answer).toBe('');
    }
    expect(logs.join('\n')).toContain('signature does not match');
    expect(logs.join('\n')).toContain('no JWT in the handshake');
  });

  it('hands the channel to the newest kas connection, ending the older one', async () => {
    const port = await start();
    const first = await dialAsKas(port, kasJwt());
    await firstBytes(first, PREFACE_OK.length);
    const local = net.connect(listener!.channelTarget.slice('unix:'.length));
    await new Promise((r) => local.once('connect', r));
    const second = await dialAsKas(port, kasJwt());
    await Promise.all([closed(first), closed(local)]);
    const again = net.connect(listener!.channelTarget.slice('unix:'.length));
    const toSecond = firstBytes(second, PREFACE_OK.length + 2);
    again.write('hi');
    expect((await toSecond).endsWith('hi')).toBe(true);
    again.destroy();
    second.destroy();
  });

  it('closes a connection that never starts TLS, and one that never sends its line, after the handshake timeout', async () => {
    const port = await start({ handshakeTimeoutMs: 200 });
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    const quiet = await new Promise<tls.TLSSocket>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: server.caPem, servername: 'localhost' }, () =>
        resolve(s),
      );
    });
    quiet.on('error', () => undefined);
    await Promise.all([closed(silent), closed(quiet)]);
    expect(logs.join('\n')).toContain('no handshake within 0.2 s');
  });

  it(`holds at most ${MAX_PENDING_CONNECTIONS} connections in their handshake; more are closed at once, and kas's link keeps serving`, async () => {
    const port = await start();
    const kas = await dialAsKas(port, kasJwt());
    await firstBytes(kas, PREFACE_OK.length);
    const local = net.connect(listener!.channelTarget.slice('unix:'.length));
    await new Promise((r) => local.once('connect', r));
    // Silent connections (no TLS) fill the limit; the listener counts each once it has accepted it.
    const silent = Array.from({ length: MAX_PENDING_CONNECTIONS }, () => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      return s;
    });
    await until(
      'the listener holds them all',
      async () => (await listener!.openConnections()) === MAX_PENDING_CONNECTIONS + 1,
    );
    const over = net.connect(port, '127.0.0.1');
    over.on('error', () => undefined);
    let answer = '';
    over.on('data', (d: Buffer) => (answer += d.toString()));
    await closed(over);
    expect(answer).toBe('');
    expect(logs.join('\n')).toContain(`more than ${MAX_PENDING_CONNECTIONS} connections in their handshake`);
    // The established link still carries bytes both ways.
    const toKas = firstBytes(kas, 4);
    local.write('ping');
    expect(await toKas).toBe('ping');
    // Once the flood goes, kas can connect anew.
    for (const s of silent) s.destroy();
    await until('the flood is gone', async () => (await listener!.openConnections()) === 1);
    const again = await dialAsKas(port, kasJwt());
    expect(await firstBytes(again, PREFACE_OK.length)).toBe(PREFACE_OK);
    again.destroy();
    kas.destroy();
  });

  it('keeps a local connection that waited for kas once it is joined, past the local wait', async () => {
    const port = await start({ localWaitMs: 200 });
    const socketPath = listener!.channelTarget.slice('unix:'.length);
    // agentk's channel connects first (agentk starts before kas dials), then kas comes.
    const local = net.connect(socketPath);
    await new Promise((r) => local.once('connect', r));
    const kas = await dialAsKas(port, kasJwt());
    await firstBytes(kas, PREFACE_OK.length);
    // A later local connection, with no kas to join, gives up after the wait: the first one's wait is over too.
    const late = net.connect(socketPath);
    late.on('error', () => undefined);
    await closed(late);
    expect(local.destroyed).toBe(false);
    const toKas = firstBytes(kas, 5);
    local.write('still');
    expect(await toKas).toBe('still');
    kas.destroy();
    await closed(local);
  });
});
